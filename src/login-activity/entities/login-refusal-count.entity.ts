import { Field, Int, ObjectType } from '@nestjs/graphql';
import { Column, Entity, Index, Unique } from 'typeorm';
import { ConnectionScopedEntity } from '../../database/connection-scoped.entity';

/**
 * Refusals of one code on a connection in one minute, before any IdP round trip (a bogus iss,
 * an unknown or replayed state, an inactive connection): anyone can cause them without signing
 * in, so they are counted in one row per minute rather than kept one attempt each.
 */
@ObjectType()
@Entity('login_refusal_counts')
@Unique('login_refusal_counts__connection_id__minute__error_code__unique', ['connectionId', 'minute', 'errorCode'])
@Index('login_refusal_counts__organization_id__minute__index', ['organizationId', 'minute'])
@Index('login_refusal_counts__minute__index', ['minute'])
export class LoginRefusalCount extends ConnectionScopedEntity {
  /** The minute the refusals fell in (its start). */
  @Field(() => Date)
  @Column({ type: 'timestamptz' })
  minute: Date;

  /** The callback error code the caller was shown. */
  @Field()
  @Column({ name: 'error_code', type: 'varchar', length: 40 })
  errorCode: string;

  @Field(() => Int)
  @Column({ type: 'integer', default: 0 })
  count: number;
}
