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
  @Field({ nullable: true })
  @IsOptional()
  @IsName()
  name?: string;

  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  entraTenant?: string;

  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(URL_MAX)
  oktaDomain?: string;

  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  authorizationServerId?: string;

  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(URL_MAX)
  discoveryUrl?: string;

  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(URL_MAX)
  issuer?: string;

  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(URL_MAX)
  authorizationUrl?: string;

  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(URL_MAX)
  tokenUrl?: string;

  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(URL_MAX)
  jwksUrl?: string;

  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  clientSecret?: string;

  @Field(() => Date, { nullable: true })
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

  @Field({ nullable: true, description: 'Accept HS256–512 ID tokens (signed with the client secret) when the IdP announces them.' })
  @IsOptional()
  @IsBoolean()
  allowSymmetricIdTokenSignature?: boolean;

  @Field({ nullable: true })
  @IsOptional()
  @Matches(CLAIM_NAME, { message: 'groupsClaim must be a claim name (letters, digits, _ : . / -)' })
  groupsClaim?: string;

  @Field(() => [String], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(20)
  @Matches(SCOPE, { each: true, message: 'scopes must be OAuth scope tokens' })
  scopes?: string[];
}

@InputType()
export class CreateConnectionInput extends ConnectionSettingsInput {
  @Field(() => ID)
  @IsUUID('all', { message: 'organizationId must be an organization id' })
  organizationId: string;

  @Field(() => ConnectionType)
  @IsEnum(ConnectionType)
  type: ConnectionType;

  @Field()
  @IsString()
  @IsNotEmpty({ message: 'clientId must not be empty' })
  @MaxLength(255)
  clientId: string;
}

@InputType()
export class UpdateConnectionInput extends ConnectionSettingsInput {
  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @IsNotEmpty({ message: 'clientId must not be empty' })
  @MaxLength(255)
  clientId?: string;

  @Field(() => ConnectionState, { nullable: true })
  @IsOptional()
  @IsIn(Object.values(ConnectionState))
  state?: ConnectionState;
}
