import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { Field, ID, ObjectType } from '@nestjs/graphql';
import { OrganizationScopedEntity } from '../../database/organization-scoped.entity';

/**
 * A one-time link a customer's IT admin opens to set up their organization's SSO without an
 * API key. Only the token's hash is stored; opening it once starts a portal session, which works
 * until the link expires or is revoked.
 */
@Entity('setup_links')
export class SetupLink extends OrganizationScopedEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index('setup_links__token_hash__unique', { unique: true })
  @Column({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash: string;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  /** Set when the link is used up: it starts one portal session, once. */
  @Column({ name: 'opened_at', type: 'timestamptz', nullable: true })
  openedAt: Date | null;

  /**
   * The connection this link sets up, its id reserved up front: the IdP needs the redirect URI
   * (which names the connection) before the admin has the client id the connection is made with.
   */
  @Column({ name: 'connection_id', type: 'uuid' })
  connectionId: string;

  @Column({ name: 'created_by', type: 'varchar', length: 100 })
  createdBy: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

/** The link's GraphQL type, what `createSetupLink` answers: the URL carries the token, shown this once. */
@ObjectType('SetupLink', { description: 'A one-time URL that lets a customer’s IT admin set up SSO for one organization.' })
export class SetupLinkView {
  @Field(() => ID, { description: 'The link’s id, for revokeSetupLink.' })
  id: string;

  @Field(() => ID, { description: 'The organization whose SSO the link sets up.' })
  organizationId: string;

  @Field({ description: 'The one-time URL to hand to the IT admin; it is not shown again.' })
  url: string;

  @Field({ description: 'When the link and every portal session it started stop working.' })
  expiresAt: Date;
}
