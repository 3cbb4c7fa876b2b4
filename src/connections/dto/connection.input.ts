import { Field, ID, InputType } from '@nestjs/graphql';
import {
  ArrayMaxSize,
  IsBoolean,
  IsDate,
  IsEnum,
  IsIn,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
} from 'class-validator';
import { ConnectionState, ConnectionType } from '../entities/connection.entity';
import { TokenEndpointAuthMethod } from '../token-security';
import { IsName } from '../../common/name.decorator';

const URL_MAX = 2048;
const CLAIM_NAME = /^[A-Za-z0-9_:./-]{1,255}$/;
const SCOPE = /^[\x21\x23-\x5B\x5D-\x7E]{1,100}$/;

@InputType()
class ConnectionSettingsInput {
  @Field({
    nullable: true,
    description: 'A display name (at most 200 characters). Omitted on create: the kind’s name (Microsoft Entra ID, Okta, OpenID Connect).',
  })
  @IsOptional()
  @IsName()
  name?: string;

  @Field({
    nullable: true,
    description:
      'ENTRA_ID (required there): the Directory (tenant) id, a GUID, or the tenant’s primary domain such as contoso.com; never common, organizations or consumers.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  entraTenant?: string;

  @Field({
    nullable: true,
    description: 'OKTA (required there): the Okta org’s host, such as acme.okta.com, or its base URL without a path.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(URL_MAX)
  oktaDomain?: string;

  @Field({
    nullable: true,
    description: 'OKTA: the id of a custom authorization server, such as default; omitted: the org authorization server.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  authorizationServerId?: string;

  @Field({
    nullable: true,
    description:
      'GENERIC_OIDC: the URL of the IdP’s discovery document, normally ending in /.well-known/openid-configuration. Give either this or issuer, authorizationUrl, tokenUrl and jwksUrl.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(URL_MAX)
  discoveryUrl?: string;

  @Field({
    nullable: true,
    description:
      'GENERIC_OIDC: the IdP’s issuer. Required without a discoveryUrl, or when the discoveryUrl does not end in /.well-known/openid-configuration; discovery must declare this issuer.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(URL_MAX)
  issuer?: string;

  @Field({ nullable: true, description: 'GENERIC_OIDC without a discoveryUrl (required then): the IdP’s authorization endpoint.' })
  @IsOptional()
  @IsString()
  @MaxLength(URL_MAX)
  authorizationUrl?: string;

  @Field({ nullable: true, description: 'GENERIC_OIDC without a discoveryUrl (required then): the IdP’s token endpoint.' })
  @IsOptional()
  @IsString()
  @MaxLength(URL_MAX)
  tokenUrl?: string;

  @Field({ nullable: true, description: 'GENERIC_OIDC without a discoveryUrl (required then): the URL of the IdP’s signing keys (JWKS).' })
  @IsOptional()
  @IsString()
  @MaxLength(URL_MAX)
  jwksUrl?: string;

  @Field({
    nullable: true,
    description:
      'The client secret the IdP issued. Write-only: stored encrypted, never returned (see clientSecretHint). Needed unless the token endpoint method is PRIVATE_KEY_JWT. On update it replaces the secret, and clears clientSecretExpiresAt unless a new date is given.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  clientSecret?: string;

  @Field(() => Date, {
    nullable: true,
    description: 'When the client secret expires, for the expiry warnings; null: unknown (on update, null clears the date).',
  })
  @IsOptional()
  @IsDate()
  clientSecretExpiresAt?: Date | null;

  @Field(() => TokenEndpointAuthMethod, {
    nullable: true,
    description: 'How to authenticate at the token endpoint; null (or omitted on create): chosen from what the IdP announces.',
  })
  @IsOptional()
  @IsEnum(TokenEndpointAuthMethod, {
    message: 'tokenEndpointAuthMethod must be CLIENT_SECRET_BASIC, CLIENT_SECRET_POST or PRIVATE_KEY_JWT',
  })
  tokenEndpointAuthMethod?: TokenEndpointAuthMethod | null;

  @Field({
    nullable: true,
    description: 'Accept HS256–512 ID tokens (signed with the client secret) when the IdP announces them. Omitted on create: false.',
  })
  @IsOptional()
  @IsBoolean()
  allowSymmetricIdTokenSignature?: boolean;

  @Field({
    nullable: true,
    description: 'The ID token claim that lists the person’s groups (letters, digits, _ : . / -). Omitted on create: groups.',
  })
  @IsOptional()
  @Matches(CLAIM_NAME, { message: 'groupsClaim must be a claim name (letters, digits, _ : . / -)' })
  groupsClaim?: string;

  @Field(() => [String], {
    nullable: true,
    description: 'The OAuth scopes to request at sign-in, at most 20; openid is always added. Omitted on create: openid email profile.',
  })
  @IsOptional()
  @ArrayMaxSize(20)
  @Matches(SCOPE, { each: true, message: 'scopes must be OAuth scope tokens' })
  scopes?: string[];
}

@InputType({
  description:
    'A new connection. Where the IdP is depends on type: ENTRA_ID needs entraTenant; OKTA needs oktaDomain (and may name authorizationServerId); GENERIC_OIDC needs discoveryUrl, or issuer, authorizationUrl, tokenUrl and jwksUrl.',
})
export class CreateConnectionInput extends ConnectionSettingsInput {
  @Field(() => ID, { description: 'The organization the connection belongs to.' })
  @IsUUID('all', { message: 'organizationId must be an organization id' })
  organizationId: string;

  @Field(() => ConnectionType, { description: 'Which kind of identity provider; it cannot be changed later.' })
  @IsEnum(ConnectionType)
  type: ConnectionType;

  @Field({ description: 'The client (application) id registered at the IdP.' })
  @IsString()
  @IsNotEmpty({ message: 'clientId must not be empty' })
  @MaxLength(255)
  clientId: string;
}

@InputType({
  description:
    'Changes to a connection; omitted or null fields stay as they are (but clientSecretExpiresAt and tokenEndpointAuthMethod may be cleared with null). Location fields are those of the connection’s type.',
})
export class UpdateConnectionInput extends ConnectionSettingsInput {
  @Field({ nullable: true, description: 'A new client id; makes the connection unproven until a sign-in succeeds (verifiedAt cleared).' })
  @IsOptional()
  @IsString()
  @IsNotEmpty({ message: 'clientId must not be empty' })
  @MaxLength(255)
  clientId?: string;

  @Field(() => ConnectionState, {
    nullable: true,
    description: 'ACTIVE or INACTIVE. Deactivating the last proven ACTIVE connection of an organization that requires SSO is refused.',
  })
  @IsOptional()
  @IsIn(Object.values(ConnectionState))
  state?: ConnectionState;
}
