import { Field, ID, InputType, ObjectType } from '@nestjs/graphql';
import { ArrayMaxSize, ArrayMinSize, IsIn, IsOptional, IsUUID } from 'class-validator';
import { ApiKey } from '../entities/api-key.entity';
import { API_KEY_SCOPES, type ApiKeyScope } from '../../common/caller';

@InputType({ description: 'A new API key: whose it is and what it may do.' })
export class CreateApiKeyInput {
  @Field(() => ID, {
    nullable: true,
    description: 'The organization the key may act on. Omitted or null: a platform key, which only a platform key may create.',
  })
  @IsOptional()
  @IsUUID('all', { message: 'organizationId must be an organization id' })
  organizationId?: string | null;

  @Field(() => [String], {
    description: 'At least one of admin (every admin operation) and roles:read (only the roles API and userRoles).',
  })
  @ArrayMinSize(1, { message: 'scopes must name at least one scope' })
  @ArrayMaxSize(API_KEY_SCOPES.length)
  @IsIn(API_KEY_SCOPES, { each: true, message: `scopes must be among ${API_KEY_SCOPES.join(', ')}` })
  scopes: ApiKeyScope[];
}

@ObjectType({ description: 'A new API key with its secret, which is shown this once.' })
export class CreatedApiKey {
  @Field(() => ApiKey, { description: 'The key.' })
  apiKey: ApiKey;

  @Field({ description: 'The key’s secret, for Authorization: Bearer <secret>. Shown this once: only its SHA-256 hash is stored.' })
  secret: string;
}
