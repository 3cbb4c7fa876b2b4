import { Args, ID, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import { UseGuards } from '@nestjs/common';
import { ConnectionTest, ConnectionTestStart } from './entities/connection-test.entity';
import { ConnectionTestsService } from './connection-tests.service';
import { ApiKeyGuard, RequireScope } from '../common/api-key.guard';
import { Caller, CurrentCaller } from '../common/caller';
import { UuidPipe } from '../common/uuid.pipe';

@Resolver(() => ConnectionTest)
@UseGuards(ApiKeyGuard)
@RequireScope('admin')
export class ConnectionTestsResolver {
  constructor(private readonly tests: ConnectionTestsService) {}

  @Mutation(() => ConnectionTestStart, {
    description:
      'Starts a test sign-in: a one-time URL an IT admin opens to sign in through the connection and see what the IdP sends back (works for INACTIVE connections too; nobody is signed in). Scope admin; an organization key only for its own connections.',
  })
  testConnection(
    @CurrentCaller() caller: Caller,
    @Args('id', { type: () => ID, description: 'The connection’s id.' }, UuidPipe) id: string,
  ): Promise<ConnectionTestStart> {
    return this.tests.start(caller, id);
  }

  @Query(() => [ConnectionTest], {
    description:
      'The connection’s test sign-ins with their reports, newest first. Scope admin; an organization key only for its own connections.',
  })
  connectionTests(
    @CurrentCaller() caller: Caller,
    @Args('connectionId', { type: () => ID, description: 'The connection’s id.' }, UuidPipe) connectionId: string,
    @Args('first', { type: () => Int, nullable: true, description: 'How many of the newest tests: 1–100, default 20.' }) first?: number,
  ): Promise<ConnectionTest[]> {
    return this.tests.list(caller, connectionId, first ?? undefined);
  }
}
