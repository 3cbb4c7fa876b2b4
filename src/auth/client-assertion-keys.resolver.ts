import { Field, ObjectType, Mutation, Resolver } from '@nestjs/graphql';
import { UseGuards } from '@nestjs/common';
import { ApiKeyGuard, RequireScope } from '../common/api-key.guard';
import { Caller, CurrentCaller, actorOf, isPlatformCaller } from '../common/caller';
import { ForbiddenError } from '../common/errors';
import { ClientAssertionKeysService } from './client-assertion-keys.service';

@ObjectType({ description: 'A key of the service’s private_key_jwt client authentication, published at clientJwksUri.' })
export class ClientAssertionKeyInfo {
  @Field()
  kid: string;

  @Field()
  algorithm: string;

  @Field(() => Date)
  createdAt: Date;
}

@Resolver()
@UseGuards(ApiKeyGuard)
@RequireScope('admin')
export class ClientAssertionKeysResolver {
  constructor(private readonly keys: ClientAssertionKeysService) {}

  /** Platform key only: the key is the service's, shared by every organization's PRIVATE_KEY_JWT connections. */
  @Mutation(() => ClientAssertionKeyInfo, {
    description:
      'Platform key only: publishes a new private_key_jwt key at clientJwksUri at once; it signs client assertions from an hour later, so IdPs that cache the JWKS have seen it.',
  })
  async rotateClientAssertionKey(@CurrentCaller() caller: Caller): Promise<ClientAssertionKeyInfo> {
    if (!isPlatformCaller(caller)) throw new ForbiddenError('only a platform API key may rotate the service’s client assertion key');
    const key = await this.keys.rotate(actorOf(caller));
    return { kid: key.id, algorithm: key.algorithm, createdAt: key.createdAt };
  }
}
