import { Field, ObjectType, registerEnumType } from '@nestjs/graphql';
import { Column, CreateDateColumn, Entity, Index } from 'typeorm';
import { ConnectionScopedEntity } from '../../database/connection-scoped.entity';

export enum LoginOutcome {
  SUCCEEDED = 'SUCCEEDED',
  REFUSED = 'REFUSED',
}
registerEnumType(LoginOutcome, {
  name: 'LoginOutcome',
  description: 'How an SSO login attempt ended.',
  valuesMap: {
    SUCCEEDED: { description: 'The person was signed in.' },
    REFUSED: { description: 'The person was shown an error page naming errorCode.' },
  },
});

/**
 * One SSO login attempt on a connection, for the organization's IT admins: what happened and
 * why, never a token, a code or a secret. Kept for a bounded time (see LoginActivityService).
 */
@ObjectType({
  description:
    'One SSO login attempt through a connection, for the organization’s IT admins: what happened and why, never a token or a secret. Kept 30 days.',
})
@Entity('login_attempts')
@Index('login_attempts__organization_id__at__index', ['organizationId', 'at'])
@Index('login_attempts__connection_id__at__index', ['connectionId', 'at'])
@Index('login_attempts__at__index', ['at'])
export class LoginAttempt extends ConnectionScopedEntity {
  @Field(() => Date, { description: 'When the attempt ended.' })
  @CreateDateColumn({ type: 'timestamptz' })
  at: Date;

  @Field(() => LoginOutcome, { description: 'Whether the person was signed in.' })
  @Column({ type: 'enum', enum: LoginOutcome, enumName: 'login_outcome' })
  outcome: LoginOutcome;

  @Field(() => String, {
    nullable: true,
    description: 'The callback error code the person was shown (such as email_not_verified); null on success.',
  })
  @Column({ name: 'error_code', type: 'varchar', length: 40, nullable: true })
  errorCode: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'What went wrong, in words for the IT admin (the service’s own detail, never the IdP’s tokens); null on success.',
  })
  @Column({ type: 'varchar', length: 500, nullable: true })
  reason: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'The IdP’s sub for the person; null when the login did not get as far as a verified ID token.',
  })
  @Column({ type: 'varchar', length: 255, nullable: true })
  subject: string | null;

  @Field(() => String, { nullable: true, description: 'The email the IdP asserted; null when the login did not get that far.' })
  @Column({ type: 'varchar', length: 320, nullable: true })
  email: string | null;

  @Field({ description: 'The request id the error page showed as “Reference”, so that a person’s report finds this attempt.' })
  @Column({ name: 'correlation_id', type: 'varchar', length: 64 })
  correlationId: string;
}
