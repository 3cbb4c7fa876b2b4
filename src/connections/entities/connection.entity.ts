import { Field, ID, ObjectType, registerEnumType } from '@nestjs/graphql';
import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { OrganizationScopedEntity } from '../../database/organization-scoped.entity';
import { TokenEndpointAuthMethod } from '../token-security';

export enum ConnectionType {
  ENTRA_ID = 'ENTRA_ID',
  OKTA = 'OKTA',
  GENERIC_OIDC = 'GENERIC_OIDC',
}
registerEnumType(ConnectionType, { name: 'ConnectionType' });

export enum ConnectionState {
  ACTIVE = 'ACTIVE',
  INACTIVE = 'INACTIVE',
}
registerEnumType(ConnectionState, { name: 'ConnectionState' });

/**
 * An organization's OIDC connection to its identity provider. The endpoints are resolved
 * from the preset (Entra, Okta, generic) when the connection is saved, so a login never
 * needs the preset logic again.
 */
@ObjectType()
@Entity('connections')
@Index('connections__organization_id__index', ['organizationId'])
export class Connection extends OrganizationScopedEntity {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field()
  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Field(() => ConnectionType)
  @Column({ type: 'enum', enum: ConnectionType, enumName: 'connection_type' })
  type: ConnectionType;

  @Field(() => ConnectionState)
  @Column({ type: 'enum', enum: ConnectionState, enumName: 'connection_state', default: ConnectionState.ACTIVE })
  state: ConnectionState;

  @Field()
  @Column({ name: 'client_id', type: 'varchar', length: 255 })
  clientId: string;

  /** `<keyId>:<iv>:<tag>:<ciphertext>` (AES-256-GCM); never leaves the service. Null for a private_key_jwt client without a secret. */
  @Column({ name: 'client_secret_encrypted', type: 'text', nullable: true })
  clientSecretEncrypted: string | null;

  /** The secret's last 4 characters; empty without a secret. */
  @Field()
  @Column({ name: 'client_secret_hint', type: 'varchar', length: 4 })
  clientSecretHint: string;

  @Field(() => Date, { nullable: true })
  @Column({ name: 'client_secret_expires_at', type: 'timestamptz', nullable: true })
  clientSecretExpiresAt: Date | null;

  /** Days-before-expiry thresholds already warned about; emptied when the secret or its expiry changes. */
  @Column({ name: 'secret_expiry_warned_days', type: 'integer', array: true, default: () => "'{}'" })
  secretExpiryWarnedDays: number[];

  @Field()
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

  /** The connection's choice of token endpoint authentication; null: the IdP's announcement decides. */
  @Field(() => TokenEndpointAuthMethod, { nullable: true })
  @Column({
    name: 'token_endpoint_auth_method',
    type: 'enum',
    enum: TokenEndpointAuthMethod,
    enumName: 'token_endpoint_auth_method',
    nullable: true,
  })
  tokenEndpointAuthMethod: TokenEndpointAuthMethod | null;

  /** The IdP's token_endpoint_auth_methods_supported when the connection was saved; null when it announced none. */
  @Field(() => [String], { nullable: true })
  @Column({ name: 'token_endpoint_auth_methods_supported', type: 'text', array: true, nullable: true })
  tokenEndpointAuthMethodsSupported: string[] | null;

  /** The IdP's id_token_signing_alg_values_supported when the connection was saved; null when it announced none. */
  @Field(() => [String], { nullable: true })
  @Column({ name: 'id_token_signing_alg_values_supported', type: 'text', array: true, nullable: true })
  idTokenSigningAlgValuesSupported: string[] | null;

  /** Accept HS256–512 ID tokens (signed with the client secret) when the IdP announces them. */
  @Field()
  @Column({ name: 'allow_symmetric_id_token_signature', type: 'boolean', default: false })
  allowSymmetricIdTokenSignature: boolean;

  @Field()
  @Column({ name: 'groups_claim', type: 'varchar', length: 255, default: 'groups' })
  groupsClaim: string;

  @Field(() => [String])
  @Column({ type: 'text', array: true, default: () => "'{openid,email,profile}'" })
  scopes: string[];

  /** Bumped on every change, so caches keyed by it are never stale, on any instance. */
  @Column({ type: 'integer', default: 1 })
  version: number;

  @Field(() => Date, { nullable: true })
  @Column({ name: 'verified_at', type: 'timestamptz', nullable: true })
  verifiedAt: Date | null;

  @Field(() => Date, { nullable: true })
  @Column({ name: 'last_login_at', type: 'timestamptz', nullable: true })
  lastLoginAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
