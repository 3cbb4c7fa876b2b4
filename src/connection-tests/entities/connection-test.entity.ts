import { Field, ObjectType } from '@nestjs/graphql';
import { Column, CreateDateColumn, Entity, Index } from 'typeorm';
import { ConnectionScopedEntity } from '../../database/connection-scoped.entity';

@ObjectType({ description: 'One thing a test sign-in found wrong.' })
export class ConnectionTestProblem {
  @Field({ description: 'A callback error code (such as domain_not_allowed or email_missing), or groups_overage.' })
  code: string;

  @Field({ description: 'What went wrong, in words for an IT admin.' })
  message: string;

  @Field({ description: 'True when a real login with this outcome would be refused (a groups overage only costs the mapped roles).' })
  blocksLogin: boolean;

  @Field(() => String, {
    nullable: true,
    description: 'What to change, when the service can name the exact mismatch with the IdP (method or algorithm); null otherwise.',
  })
  advice?: string;
}

/**
 * An admin's test sign-in through a connection: a one-time start link, then the report of what
 * the IdP sent back. A test creates no user, identity, membership or session.
 */
@ObjectType({
  description:
    'An admin’s test sign-in through a connection: a one-time start link, then the report of what the IdP sent back. A test creates no user, membership or session.',
})
@Entity('connection_tests')
@Index('connection_tests__connection_id__created_at__index', ['connectionId', 'createdAt'])
@Index('connection_tests__start_token_hash__unique', ['startTokenHash'], { unique: true })
export class ConnectionTest extends ConnectionScopedEntity {
  /** SHA-256 of the start link's token; null once the link was used. */
  @Column({ name: 'start_token_hash', type: 'varchar', length: 64, nullable: true })
  startTokenHash: string | null;

  @Field(() => Date, { description: 'Until when the start link may be opened (15 minutes after it was made).' })
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Field({ description: 'Who started the test: api_key:<id> or setup_link:<id>.' })
  @Column({ name: 'requested_by', type: 'varchar', length: 100 })
  requestedBy: string;

  /** Where the report page leads back to (the setup portal's test step), when the test was started there. */
  @Column({ name: 'continue_url', type: 'varchar', length: 2048, nullable: true })
  continueUrl: string | null;

  @Field(() => Date, { description: 'When the test was started.' })
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Field(() => Date, { nullable: true, description: 'When the admin came back from the IdP; null until then.' })
  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt: Date | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'True when a real login with this outcome would succeed (no problem blocks it); null until completed.',
  })
  @Column({ type: 'boolean', nullable: true })
  succeeded: boolean | null;

  @Field(() => String, { nullable: true, description: 'The iss of the ID token the IdP sent; null until completed, or when none came.' })
  @Column({ type: 'varchar', length: 2048, nullable: true })
  issuer: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'The sub the IdP sent for the admin; null until completed, or when no ID token came.',
  })
  @Column({ type: 'varchar', length: 255, nullable: true })
  subject: string | null;

  @Field(() => String, { nullable: true, description: 'The email the IdP sent; null when it sent none.' })
  @Column({ type: 'varchar', length: 320, nullable: true })
  email: string | null;

  @Field(() => String, { nullable: true, description: 'The given name the IdP sent; null when it sent none.' })
  @Column({ name: 'first_name', type: 'varchar', length: 200, nullable: true })
  firstName: string | null;

  @Field(() => String, { nullable: true, description: 'The family name the IdP sent; null when it sent none.' })
  @Column({ name: 'last_name', type: 'varchar', length: 200, nullable: true })
  lastName: string | null;

  @Field(() => [String], {
    description: 'The groups the IdP sent in the connection’s groups claim (or its groups source): the values role mappings match.',
  })
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  groups: string[];

  @Field(() => [String], {
    description: 'The role slugs a real login would give: from mapped groups, else the invitation’s or the organization’s default role.',
  })
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  roles: string[];

  @Field(() => [ConnectionTestProblem], { description: 'What was wrong; empty when nothing was.' })
  @Column({ type: 'jsonb', default: () => "'[]'" })
  problems: ConnectionTestProblem[];
}

@ObjectType({ description: 'A test sign-in just started, with its one-time start link.' })
export class ConnectionTestStart {
  @Field(() => ConnectionTest, { description: 'The test; its report fills in once the admin came back from the IdP.' })
  test: ConnectionTest;

  @Field({ description: 'The start link: open it once, in a browser, before test.expiresAt. It is not shown again.' })
  url: string;
}
