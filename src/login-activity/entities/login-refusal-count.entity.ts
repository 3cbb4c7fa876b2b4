import { Field, Int, ObjectType } from '@nestjs/graphql';
import { Column, Entity, Index, Unique } from 'typeorm';
import { ConnectionScopedEntity } from '../../database/connection-scoped.entity';

/**
 * Refusals of one code on a connection in one minute, before any IdP round trip (a bogus iss,
 * an unknown or replayed state, an inactive connection): anyone can cause them without signing
 * in, so they are counted in one row per minute rather than kept one attempt each.
 */
@ObjectType({
  description:
    'Refusals with one error code on a connection in one minute, before any IdP round trip (a bogus iss, an unknown or replayed state, an inactive connection): counted, not kept one by one, since anyone can cause them.',
})
@Entity('login_refusal_counts')
@Unique('login_refusal_counts__connection_id__minute__error_code__unique', ['connectionId', 'minute', 'errorCode'])
@Index('login_refusal_counts__organization_id__minute__index', ['organizationId', 'minute'])
@Index('login_refusal_counts__minute__index', ['minute'])
export class LoginRefusalCount extends ConnectionScopedEntity {
  @Field(() => Date, { description: 'The start of the minute the refusals fell in.' })
  @Column({ type: 'timestamptz' })
  minute: Date;

  @Field({ description: 'The callback error code the browser was shown (such as invalid_state).' })
  @Column({ name: 'error_code', type: 'varchar', length: 40 })
  errorCode: string;

  @Field(() => Int, { description: 'How many refusals.' })
  @Column({ type: 'integer', default: 0 })
  count: number;
}
