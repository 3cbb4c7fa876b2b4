import { Field, ObjectType, Mutation, Resolver } from '@nestjs/graphql';
import { UseGuards } from '@nestjs/common';
import { ApiKeyGuard, RequireScope } from '../common/api-key.guard';
import { Caller, CurrentCaller, actorOf, isPlatformCaller } from '../common/caller';
import { ForbiddenError } from '../common/errors';
import { ClientAssertionKeysService } from './client-assertion-keys.service';

@ObjectType({ description: 'A key of the service’s private_key_jwt client authentication, published at clientJwksUri.' })
export class ClientAssertionKeyInfo {
  @Field({ description: 'The key’s id (kid) in the JWKS and in the client assertions it signs.' })
  kid: string;

  @Field({ description: 'Its JWS algorithm, such as RS256.' })
  algorithm: string;

  @Field(() => Date, { description: 'When it was published; it signs from an hour later.' })
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
      'Publishes a new private_key_jwt key at clientJwksUri at once; it signs client assertions from an hour later, so IdPs that cache the JWKS have seen it (audited). Scope admin; platform key only.',
  })
  async rotateClientAssertionKey(@CurrentCaller() caller: Caller): Promise<ClientAssertionKeyInfo> {
    if (!isPlatformCaller(caller)) throw new ForbiddenError('only a platform API key may rotate the service’s client assertion key');
    const key = await this.keys.rotate(actorOf(caller));
    return { kid: key.id, algorithm: key.algorithm, createdAt: key.createdAt };
  }
}
