import { Field, ObjectType } from '@nestjs/graphql';
import { Column, CreateDateColumn, Entity, Index } from 'typeorm';
import { ConnectionScopedEntity } from '../../database/connection-scoped.entity';

@ObjectType()
export class ConnectionTestProblem {
  /** A callback error code (`domain_not_allowed`, `email_missing`…) or `groups_overage`. */
  @Field()
  code: string;

  @Field()
  message: string;

  /** A real login with this outcome would be refused (a groups overage only costs the mapped roles). */
  @Field()
  blocksLogin: boolean;

  /** What to change, when the service can name the exact mismatch (method or algorithm) with the IdP. */
  @Field(() => String, { nullable: true })
  advice?: string;
}

/**
 * An admin's test sign-in through a connection: a one-time start link, then the report of what
 * the IdP sent back. A test creates no user, identity, membership or session.
 */
@ObjectType()
@Entity('connection_tests')
@Index('connection_tests__connection_id__created_at__index', ['connectionId', 'createdAt'])
@Index('connection_tests__start_token_hash__unique', ['startTokenHash'], { unique: true })
export class ConnectionTest extends ConnectionScopedEntity {
  /** SHA-256 of the start link's token; null once the link was used. */
  @Column({ name: 'start_token_hash', type: 'varchar', length: 64, nullable: true })
  startTokenHash: string | null;

  /** Until when the start link may be opened. */
  @Field(() => Date)
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Field()
  @Column({ name: 'requested_by', type: 'varchar', length: 100 })
  requestedBy: string;

  /** Where the report page leads back to (the setup portal's test step), when the test was started there. */
  @Column({ name: 'continue_url', type: 'varchar', length: 2048, nullable: true })
  continueUrl: string | null;

  @Field(() => Date)
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  /** Null until the admin came back from the IdP. */
  @Field(() => Date, { nullable: true })
  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt: Date | null;

  /** True when a real login with this outcome would succeed; null until completed. */
  @Field(() => Boolean, { nullable: true })
  @Column({ type: 'boolean', nullable: true })
  succeeded: boolean | null;

  @Field(() => String, { nullable: true })
  @Column({ type: 'varchar', length: 2048, nullable: true })
  issuer: string | null;

  @Field(() => String, { nullable: true })
  @Column({ type: 'varchar', length: 255, nullable: true })
  subject: string | null;

  @Field(() => String, { nullable: true })
  @Column({ type: 'varchar', length: 320, nullable: true })
  email: string | null;

  @Field(() => String, { nullable: true })
  @Column({ name: 'first_name', type: 'varchar', length: 200, nullable: true })
  firstName: string | null;

  @Field(() => String, { nullable: true })
  @Column({ name: 'last_name', type: 'varchar', length: 200, nullable: true })
  lastName: string | null;

  @Field(() => [String])
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  groups: string[];

  /** The roles a login would give (mapped groups, else the invitation's or the default role). */
  @Field(() => [String])
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  roles: string[];

  @Field(() => [ConnectionTestProblem])
  @Column({ type: 'jsonb', default: () => "'[]'" })
  problems: ConnectionTestProblem[];
}

@ObjectType()
export class ConnectionTestStart {
  @Field(() => ConnectionTest)
  test: ConnectionTest;

  /** Open once, in a browser, before `test.expiresAt`. */
  @Field()
  url: string;
}
