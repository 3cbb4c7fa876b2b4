import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { UseGuards } from '@nestjs/common';
import { ApiKeysService } from './api-keys.service';
import { ApiKeyGuard, RequireScope } from '../common/api-key.guard';
import { CreateApiKeyInput, CreatedApiKey } from './dto/create-api-key.input';
import { Caller, CurrentCaller } from '../common/caller';
import { UuidPipe } from '../common/uuid.pipe';
import { ApiKey } from './entities/api-key.entity';

@Resolver()
@UseGuards(ApiKeyGuard)
@RequireScope('admin')
export class ApiKeysResolver {
  constructor(private readonly keys: ApiKeysService) {}

  @Mutation(() => CreatedApiKey, {
    description:
      'Creates an API key and returns its secret, once (audited). Scope admin; an organization key only for its own organization, a platform key for any or for a new platform key.',
  })
  createApiKey(
    @CurrentCaller() caller: Caller,
    @Args('input', { description: 'Whose key, and what it may do.' }) input: CreateApiKeyInput,
  ): Promise<CreatedApiKey> {
    return this.keys.create(caller, input);
  }

  @Query(() => [ApiKey], {
    description:
      'An organization’s API keys, or the platform keys, revoked ones included, oldest first; never their secrets. Scope admin; an organization key only its own organization’s.',
  })
  apiKeys(
    @CurrentCaller() caller: Caller,
    @Args(
      'organizationId',
      {
        type: () => ID,
        nullable: true,
        description: 'The organization whose keys to list; omitted: the platform keys (platform key only).',
      },
      UuidPipe,
    )
    organizationId?: string | null,
  ): Promise<ApiKey[]> {
    return this.keys.list(caller, organizationId ?? undefined);
  }

  @Mutation(() => ApiKey, {
    description:
      'Revokes an API key: it stops working at once, on every instance (audited); revoking it again changes nothing. Scope admin; an organization key only its own organization’s keys.',
  })
  revokeApiKey(
    @CurrentCaller() caller: Caller,
    @Args('id', { type: () => ID, description: 'The key’s id.' }, UuidPipe) id: string,
  ): Promise<ApiKey> {
    return this.keys.revoke(caller, id);
  }
}
