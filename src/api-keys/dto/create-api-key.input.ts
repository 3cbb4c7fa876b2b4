import { Field, ID, InputType, ObjectType } from '@nestjs/graphql';
import { ArrayMaxSize, ArrayMinSize, IsIn, IsOptional, IsUUID } from 'class-validator';
import { ApiKey } from '../entities/api-key.entity';
import { API_KEY_SCOPES, type ApiKeyScope } from '../../common/caller';

@InputType()
export class CreateApiKeyInput {
  /** Omit for a platform key (platform keys only). */
  @Field(() => ID, { nullable: true })
  @IsOptional()
  @IsUUID('all', { message: 'organizationId must be an organization id' })
  organizationId?: string | null;

  @Field(() => [String])
  @ArrayMinSize(1, { message: 'scopes must name at least one scope' })
  @ArrayMaxSize(API_KEY_SCOPES.length)
  @IsIn(API_KEY_SCOPES, { each: true, message: `scopes must be among ${API_KEY_SCOPES.join(', ')}` })
  scopes: ApiKeyScope[];
}

@ObjectType()
export class CreatedApiKey {
  @Field(() => ApiKey)
  apiKey: ApiKey;

  /** Shown once; only its hash is stored. */
  @Field()
  secret: string;
}
