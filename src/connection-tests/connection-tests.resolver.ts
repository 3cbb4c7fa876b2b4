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

  /** A one-time URL an IT admin opens to sign in through the connection and see what comes back. */
  @Mutation(() => ConnectionTestStart)
  testConnection(@CurrentCaller() caller: Caller, @Args('id', { type: () => ID }, UuidPipe) id: string): Promise<ConnectionTestStart> {
    return this.tests.start(caller, id);
  }

  /** The connection's test sign-ins, newest first, with their reports. */
  @Query(() => [ConnectionTest])
  connectionTests(
    @CurrentCaller() caller: Caller,
    @Args('connectionId', { type: () => ID }, UuidPipe) connectionId: string,
    @Args('first', { type: () => Int, nullable: true }) first?: number,
  ): Promise<ConnectionTest[]> {
    return this.tests.list(caller, connectionId, first ?? undefined);
  }
}
