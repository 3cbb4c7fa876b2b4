import { Args, ID, Int, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { UseGuards } from '@nestjs/common';
import { Connection } from './entities/connection.entity';
import { ConnectionsService } from './connections.service';
import { CreateConnectionInput, UpdateConnectionInput } from './dto/connection.input';
import { ApiKeyGuard, RequireScope } from '../common/api-key.guard';
import { Caller, CurrentCaller } from '../common/caller';
import { UuidPipe } from '../common/uuid.pipe';
import { daysUntil, SecretStatus, secretStatusOf } from './secret-expiry';
import { acceptedIdTokenAlgorithms, effectiveTokenEndpointAuthMethod, TokenEndpointAuthMethod } from './token-security';

@Resolver(() => Connection)
@UseGuards(ApiKeyGuard)
@RequireScope('admin')
export class ConnectionsResolver {
  constructor(private readonly connectionsService: ConnectionsService) {}

  @Query(() => Connection, {
    nullable: true,
    description:
      'One connection; null when it does not exist or the key may not see it. Scope admin; an organization key sees only its own.',
  })
  connection(
    @CurrentCaller() caller: Caller,
    @Args('id', { type: () => ID, description: 'The connection’s id.' }, UuidPipe) id: string,
  ): Promise<Connection | null> {
    return this.connectionsService.find(caller, id);
  }

  @Query(() => [Connection], {
    description:
      'Connections by client-secret expiry, soonest first (those without a date last), at most 1000. Scope admin; an organization key sees only its own organization’s.',
  })
  connectionsBySecretExpiry(
    @CurrentCaller() caller: Caller,
    @Args(
      'organizationId',
      {
        type: () => ID,
        nullable: true,
        description: 'One organization’s connections; omitted: the key’s own organization, or every organization’s for a platform key.',
      },
      UuidPipe,
    )
    organizationId?: string,
    @Args('withinDays', {
      type: () => Int,
      nullable: true,
      description: 'Only secrets that expire within this many days (0–3650), expired ones included; omitted: every connection.',
    })
    withinDays?: number,
  ): Promise<Connection[]> {
    return this.connectionsService.bySecretExpiry(caller, organizationId ?? undefined, withinDays ?? undefined);
  }

  @Mutation(() => Connection, {
    description:
      'Adds an ACTIVE connection to an IdP, whose discovery document is fetched and checked first (BAD_USER_INPUT naming the field when it cannot be used). Scope admin; an organization key only for its own organization.',
  })
  createConnection(
    @CurrentCaller() caller: Caller,
    @Args('input', { description: 'The connection: its type, client and where its IdP is.' }) input: CreateConnectionInput,
  ): Promise<Connection> {
    return this.connectionsService.create(caller, input);
  }

  @Mutation(() => Connection, {
    description:
      'Changes a connection (audited). A new client id, token endpoint method or IdP location makes it unproven (verifiedAt cleared), which is refused for the last proven ACTIVE connection of an organization that requires SSO. Scope admin; an organization key only for its own.',
  })
  updateConnection(
    @CurrentCaller() caller: Caller,
    @Args('id', { type: () => ID, description: 'The connection’s id.' }, UuidPipe) id: string,
    @Args('input', { description: 'The settings to change; omitted or null fields stay as they are.' }) input: UpdateConnectionInput,
  ): Promise<Connection> {
    return this.connectionsService.update(caller, id, input);
  }

  @Mutation(() => Boolean, {
    description:
      'Deletes a connection with its role mappings, login activity and tests (audited); refused (BAD_USER_INPUT) for the last proven ACTIVE connection of an organization that requires SSO. True once deleted. Scope admin; an organization key only for its own.',
  })
  deleteConnection(
    @CurrentCaller() caller: Caller,
    @Args('id', { type: () => ID, description: 'The connection’s id.' }, UuidPipe) id: string,
  ): Promise<boolean> {
    return this.connectionsService.delete(caller, id);
  }

  @ResolveField(() => String, {
    description: 'The redirect (callback) URI to register at the IdP: $PUBLIC_URL/sso/callback/<id>.',
  })
  redirectUri(@Parent() connection: Connection): string {
    return this.connectionsService.redirectUri(connection);
  }

  @ResolveField(() => String, {
    description:
      'The URI that starts a sign-in through this connection, to register at the IdP for logins started there (Okta’s Initiate login URI, Entra’s home page URL): $PUBLIC_URL/sso/initiate/<id>.',
  })
  initiateLoginUri(@Parent() connection: Connection): string {
    return this.connectionsService.initiateLoginUri(connection);
  }

  @ResolveField(() => TokenEndpointAuthMethod, {
    description: 'The method token requests use: tokenEndpointAuthMethod, or else the one chosen from what the IdP announces.',
  })
  effectiveTokenEndpointAuthMethod(@Parent() connection: Connection): TokenEndpointAuthMethod {
    return effectiveTokenEndpointAuthMethod(connection);
  }

  @ResolveField(() => String, { description: 'The JWKS URL to register at the IdP for PRIVATE_KEY_JWT (the same for every connection).' })
  clientJwksUri(): string {
    return this.connectionsService.clientJwksUri();
  }

  @ResolveField(() => [String], { description: 'The algorithms an ID token through this connection may be signed with.' })
  acceptedIdTokenSigningAlgorithms(@Parent() connection: Connection): string[] {
    return acceptedIdTokenAlgorithms(connection);
  }

  @ResolveField(() => SecretStatus, { description: 'How the client secret stands by its expiry date, now.' })
  secretStatus(@Parent() connection: Connection): SecretStatus {
    return secretStatusOf(connection.clientSecretExpiresAt, new Date());
  }

  @ResolveField(() => Int, {
    nullable: true,
    description: 'Whole days until the client secret expires, rounded up (negative once expired); null without an expiry date.',
  })
  secretExpiresInDays(@Parent() connection: Connection): number | null {
    return connection.clientSecretExpiresAt ? daysUntil(connection.clientSecretExpiresAt, new Date()) : null;
  }
}
