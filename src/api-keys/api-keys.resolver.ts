import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { UseGuards } from '@nestjs/common';
import { ApiKeysService } from './api-keys.service';
import { ApiKeyGuard, RequireScope } from './api-key.guard';
import { CreateApiKeyInput, CreatedApiKey } from './dto/create-api-key.input';
import { Caller, CurrentCaller } from '../common/caller';
import { UuidPipe } from '../common/uuid.pipe';
import { ApiKey } from './entities/api-key.entity';

@Resolver()
@UseGuards(ApiKeyGuard)
@RequireScope('admin')
export class ApiKeysResolver {
  constructor(private readonly keys: ApiKeysService) {}

  @Mutation(() => CreatedApiKey)
  createApiKey(@CurrentCaller() caller: Caller, @Args('input') input: CreateApiKeyInput): Promise<CreatedApiKey> {
    return this.keys.create(caller, input);
  }

  /** Omit organizationId for the platform keys (platform keys only). Secrets are never listed. */
  @Query(() => [ApiKey])
  apiKeys(
    @CurrentCaller() caller: Caller,
    @Args('organizationId', { type: () => ID, nullable: true }, UuidPipe) organizationId?: string | null,
  ): Promise<ApiKey[]> {
    return this.keys.list(caller, organizationId ?? undefined);
  }

  /** The key stops working at once, on every instance. */
  @Mutation(() => ApiKey)
  revokeApiKey(@CurrentCaller() caller: Caller, @Args('id', { type: () => ID }, UuidPipe) id: string): Promise<ApiKey> {
    return this.keys.revoke(caller, id);
  }
}
