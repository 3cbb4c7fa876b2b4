import { Field, ID, ObjectType, registerEnumType } from '@nestjs/graphql';
import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { OrganizationScopedEntity } from '../../database/organization-scoped.entity';
import { TokenEndpointAuthMethod } from '../token-security';

export enum ConnectionType {
  ENTRA_ID = 'ENTRA_ID',
  OKTA = 'OKTA',
  GENERIC_OIDC = 'GENERIC_OIDC',
}
registerEnumType(ConnectionType, {
  name: 'ConnectionType',
  description: 'Which kind of identity provider a connection signs in through; it decides which location fields createConnection needs.',
  valuesMap: {
    ENTRA_ID: {
      description:
        'Microsoft Entra ID (formerly Azure AD), pinned to one tenant (entraTenant). Its emails in the organization’s verified domains are trusted without email_verified; more than 200 groups are fetched from Microsoft Graph.',
    },
    OKTA: { description: 'An Okta org (oktaDomain), through its org authorization server or a custom one (authorizationServerId).' },
    GENERIC_OIDC: {
      description:
        'Any other OpenID Connect provider, by its discovery URL or by issuer and endpoints; emails count only with email_verified.',
    },
  },
});

export enum ConnectionState {
  ACTIVE = 'ACTIVE',
  INACTIVE = 'INACTIVE',
}
registerEnumType(ConnectionState, {
  name: 'ConnectionState',
  description: 'Whether a connection is in service.',
  valuesMap: {
    ACTIVE: { description: 'In service: logins go through it, and /sso/discover may route to it.' },
    INACTIVE: { description: 'Out of service: its logins are refused with connection_inactive.' },
  },
});

/**
 * An organization's OIDC connection to its identity provider. The endpoints are resolved
 * from the preset (Entra, Okta, generic) when the connection is saved, so a login never
 * needs the preset logic again.
 */
@ObjectType({
  description:
    'An organization’s OpenID Connect connection to its identity provider. The client secret is write-only: no query returns it, only clientSecretHint.',
})
@Entity('connections')
@Index('connections__organization_id__index', ['organizationId'])
export class Connection extends OrganizationScopedEntity {
  @Field(() => ID, { description: 'The connection’s id; its redirectUri and initiateLoginUri name it.' })
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field({ description: 'Its display name.' })
  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Field(() => ConnectionType, { description: 'Which kind of identity provider it signs in through.' })
  @Column({ type: 'enum', enum: ConnectionType, enumName: 'connection_type' })
  type: ConnectionType;

  @Field(() => ConnectionState, { description: 'Whether logins go through it.' })
  @Column({ type: 'enum', enum: ConnectionState, enumName: 'connection_state', default: ConnectionState.ACTIVE })
  state: ConnectionState;

  @Field({ description: 'The client (application) id registered at the IdP.' })
  @Column({ name: 'client_id', type: 'varchar', length: 255 })
  clientId: string;

  /** `<keyId>:<iv>:<tag>:<ciphertext>` (AES-256-GCM); never leaves the service. Null for a private_key_jwt client without a secret. */
  @Column({ name: 'client_secret_encrypted', type: 'text', nullable: true })
  clientSecretEncrypted: string | null;

  @Field({
    description:
      'The client secret’s last 4 characters, to recognise which one is set; empty without a secret (PRIVATE_KEY_JWT). The secret itself is never returned.',
  })
  @Column({ name: 'client_secret_hint', type: 'varchar', length: 4 })
  clientSecretHint: string;

  @Field(() => Date, {
    nullable: true,
    description:
      'When the client secret expires, as entered; null when not given (secretStatus UNKNOWN). Admins are warned 30, 7 and 1 days before.',
  })
  @Column({ name: 'client_secret_expires_at', type: 'timestamptz', nullable: true })
  clientSecretExpiresAt: Date | null;

  /** Days-before-expiry thresholds already warned about; emptied when the secret or its expiry changes. */
  @Column({ name: 'secret_expiry_warned_days', type: 'integer', array: true, default: () => "'{}'" })
  secretExpiryWarnedDays: number[];

  @Field({
    description: 'The IdP’s issuer, as its discovery document declared it (or as entered); an ID token must carry exactly this iss.',
  })
  @Column({ type: 'varchar', length: 2048 })
  issuer: string;

  /** The preset's input: Entra tenant id or primary domain. */
  @Column({ name: 'entra_tenant', type: 'varchar', length: 255, nullable: true })
  entraTenant: string | null;

  /** The preset's input: Okta domain (host or base URL). */
  @Column({ name: 'okta_domain', type: 'varchar', length: 2048, nullable: true })
  oktaDomain: string | null;

  @Column({ name: 'authorization_server_id', type: 'varchar', length: 255, nullable: true })
  authorizationServerId: string | null;

  /** Set when the IdP is configured through discovery; null for manual endpoints. */
  @Column({ name: 'discovery_url', type: 'varchar', length: 2048, nullable: true })
  discoveryUrl: string | null;

  @Column({ name: 'authorization_url', type: 'varchar', length: 2048 })
  authorizationUrl: string;

  @Column({ name: 'token_url', type: 'varchar', length: 2048 })
  tokenUrl: string;

  @Column({ name: 'jwks_url', type: 'varchar', length: 2048 })
  jwksUrl: string;

  @Column({ name: 'userinfo_url', type: 'varchar', length: 2048, nullable: true })
  userinfoUrl: string | null;

  /** The IdP advertises RFC 9207 `iss` in authorization responses. */
  @Column({ name: 'issuer_response_parameter', type: 'boolean', default: false })
  issuerResponseParameter: boolean;

  @Field(() => TokenEndpointAuthMethod, {
    nullable: true,
    description:
      'The connection’s own choice of token endpoint authentication; null: chosen from what the IdP announces (see effectiveTokenEndpointAuthMethod).',
  })
  @Column({
    name: 'token_endpoint_auth_method',
    type: 'enum',
    enum: TokenEndpointAuthMethod,
    enumName: 'token_endpoint_auth_method',
    nullable: true,
  })
  tokenEndpointAuthMethod: TokenEndpointAuthMethod | null;

  @Field(() => [String], {
    nullable: true,
    description: 'The IdP’s token_endpoint_auth_methods_supported when the connection was last saved; null when it announced none.',
  })
  @Column({ name: 'token_endpoint_auth_methods_supported', type: 'text', array: true, nullable: true })
  tokenEndpointAuthMethodsSupported: string[] | null;

  @Field(() => [String], {
    nullable: true,
    description: 'The IdP’s id_token_signing_alg_values_supported when the connection was last saved; null when it announced none.',
  })
  @Column({ name: 'id_token_signing_alg_values_supported', type: 'text', array: true, nullable: true })
  idTokenSigningAlgValuesSupported: string[] | null;

  @Field({ description: 'Whether HS256–512 ID tokens (signed with the client secret) are accepted when the IdP announces them.' })
  @Column({ name: 'allow_symmetric_id_token_signature', type: 'boolean', default: false })
  allowSymmetricIdTokenSignature: boolean;

  @Field({
    description: 'The ID token claim that lists the person’s groups; its values are matched against the role mappings’ idpGroupId.',
  })
  @Column({ name: 'groups_claim', type: 'varchar', length: 255, default: 'groups' })
  groupsClaim: string;

  @Field(() => [String], { description: 'The OAuth scopes requested at sign-in; always includes openid.' })
  @Column({ type: 'text', array: true, default: () => "'{openid,email,profile}'" })
  scopes: string[];

  /** Bumped on every change, so caches keyed by it are never stale, on any instance. */
  @Column({ type: 'integer', default: 1 })
  version: number;

  @Field(() => Date, {
    nullable: true,
    description:
      'When a sign-in through it first succeeded with its current client and IdP settings; null: unproven (never, or changed since). ssoRequired needs an ACTIVE connection with this set.',
  })
  @Column({ name: 'verified_at', type: 'timestamptz', nullable: true })
  verifiedAt: Date | null;

  @Field(() => Date, { nullable: true, description: 'When someone last signed in through it (to the minute); null if no one has.' })
  @Column({ name: 'last_login_at', type: 'timestamptz', nullable: true })
  lastLoginAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
