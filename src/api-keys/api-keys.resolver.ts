import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { UseGuards } from '@nestjs/common';
import { ApiKeysService } from './api-keys.service';
import { ApiKeyGuard, RequireScope } from './api-key.guard';
import { CreateApiKeyInput, CreatedApiKey } from './dto/create-api-key.input';
import { Caller, CurrentCaller } from '../common/caller';

@Resolver()
@UseGuards(ApiKeyGuard)
@RequireScope('admin')
export class ApiKeysResolver {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Mutation(() => CreatedApiKey)
  createApiKey(@CurrentCaller() caller: Caller, @Args('input') input: CreateApiKeyInput): Promise<CreatedApiKey> {
    return this.apiKeys.create(caller, input);
  }
}
