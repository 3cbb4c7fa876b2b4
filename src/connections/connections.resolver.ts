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

  @Query(() => Connection, { nullable: true })
  connection(@CurrentCaller() caller: Caller, @Args('id', { type: () => ID }, UuidPipe) id: string): Promise<Connection | null> {
    return this.connectionsService.find(caller, id);
  }

  /** Connections by days to client-secret expiry, soonest first; a platform key may omit the organization to see all. */
  @Query(() => [Connection])
  connectionsBySecretExpiry(
    @CurrentCaller() caller: Caller,
    @Args('organizationId', { type: () => ID, nullable: true }, UuidPipe) organizationId?: string,
    @Args('withinDays', { type: () => Int, nullable: true }) withinDays?: number,
  ): Promise<Connection[]> {
    return this.connectionsService.bySecretExpiry(caller, organizationId ?? undefined, withinDays ?? undefined);
  }

  @Mutation(() => Connection)
  createConnection(@CurrentCaller() caller: Caller, @Args('input') input: CreateConnectionInput): Promise<Connection> {
    return this.connectionsService.create(caller, input);
  }

  @Mutation(() => Connection)
  updateConnection(
    @CurrentCaller() caller: Caller,
    @Args('id', { type: () => ID }, UuidPipe) id: string,
    @Args('input') input: UpdateConnectionInput,
  ): Promise<Connection> {
    return this.connectionsService.update(caller, id, input);
  }

  @Mutation(() => Boolean)
  deleteConnection(@CurrentCaller() caller: Caller, @Args('id', { type: () => ID }, UuidPipe) id: string): Promise<boolean> {
    return this.connectionsService.delete(caller, id);
  }

  @ResolveField(() => String)
  redirectUri(@Parent() connection: Connection): string {
    return this.connectionsService.redirectUri(connection);
  }

  @ResolveField(() => String)
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

  @ResolveField(() => SecretStatus)
  secretStatus(@Parent() connection: Connection): SecretStatus {
    return secretStatusOf(connection.clientSecretExpiresAt, new Date());
  }

  /** Whole days until the client secret expires (negative once expired); null without an expiry date. */
  @ResolveField(() => Int, { nullable: true })
  secretExpiresInDays(@Parent() connection: Connection): number | null {
    return connection.clientSecretExpiresAt ? daysUntil(connection.clientSecretExpiresAt, new Date()) : null;
  }
}
