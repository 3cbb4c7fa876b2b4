import { Field, ObjectType, registerEnumType } from '@nestjs/graphql';
import { Column, CreateDateColumn, Entity, Index } from 'typeorm';
import { ConnectionScopedEntity } from '../../database/connection-scoped.entity';

export enum LoginOutcome {
  SUCCEEDED = 'SUCCEEDED',
  REFUSED = 'REFUSED',
}
registerEnumType(LoginOutcome, { name: 'LoginOutcome' });

/**
 * One SSO login attempt on a connection, for the organization's IT admins: what happened and
 * why, never a token, a code or a secret. Kept for a bounded time (see LoginActivityService).
 */
@ObjectType()
@Entity('login_attempts')
@Index('login_attempts__organization_id__at__index', ['organizationId', 'at'])
@Index('login_attempts__connection_id__at__index', ['connectionId', 'at'])
@Index('login_attempts__at__index', ['at'])
export class LoginAttempt extends ConnectionScopedEntity {
  @Field(() => Date)
  @CreateDateColumn({ type: 'timestamptz' })
  at: Date;

  @Field(() => LoginOutcome)
  @Column({ type: 'enum', enum: LoginOutcome, enumName: 'login_outcome' })
  outcome: LoginOutcome;

  /** The callback error code the person was shown; null on success. */
  @Field(() => String, { nullable: true })
  @Column({ name: 'error_code', type: 'varchar', length: 40, nullable: true })
  errorCode: string | null;

  /** What went wrong in words, for the IT admin (the service's own detail, not the IdP's tokens). */
  @Field(() => String, { nullable: true })
  @Column({ type: 'varchar', length: 500, nullable: true })
  reason: string | null;

  /** The IdP's `sub`, when the login got as far as a verified ID token. */
  @Field(() => String, { nullable: true })
  @Column({ type: 'varchar', length: 255, nullable: true })
  subject: string | null;

  @Field(() => String, { nullable: true })
  @Column({ type: 'varchar', length: 320, nullable: true })
  email: string | null;

  /** The request id shown on the error page as "Reference", so a person's report finds this row. */
  @Field()
  @Column({ name: 'correlation_id', type: 'varchar', length: 64 })
  correlationId: string;
}
