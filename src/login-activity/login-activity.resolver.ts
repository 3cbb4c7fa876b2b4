import { Args, ID, Int, Query, Resolver } from '@nestjs/graphql';
import { UseGuards } from '@nestjs/common';
import { LoginAttempt } from './entities/login-attempt.entity';
import { LoginRefusalCount } from './entities/login-refusal-count.entity';
import { LoginActivityService } from './login-activity.service';
import { ApiKeyGuard, RequireScope } from '../api-keys/api-key.guard';
import { Caller, CurrentCaller } from '../common/caller';
import { UuidPipe } from '../common/uuid.pipe';

@Resolver(() => LoginAttempt)
@UseGuards(ApiKeyGuard)
@RequireScope('admin')
export class LoginActivityResolver {
  constructor(private readonly loginActivity: LoginActivityService) {}

  /** The organization's SSO login attempts, newest first (kept 30 days). */
  @Query(() => [LoginAttempt])
  loginAttempts(
    @CurrentCaller() caller: Caller,
    @Args('organizationId', { type: () => ID }, UuidPipe) organizationId: string,
    @Args('connectionId', { type: () => ID, nullable: true }, UuidPipe) connectionId?: string,
    @Args('first', { type: () => Int, nullable: true }) first?: number,
  ): Promise<LoginAttempt[]> {
    return this.loginActivity.list(caller, organizationId, connectionId ?? undefined, first ?? undefined);
  }

  /** Refusals before any IdP round trip (bogus iss, unknown or replayed state, inactive connection), counted per minute. */
  @Query(() => [LoginRefusalCount])
  loginRefusalCounts(
    @CurrentCaller() caller: Caller,
    @Args('organizationId', { type: () => ID }, UuidPipe) organizationId: string,
    @Args('connectionId', { type: () => ID, nullable: true }, UuidPipe) connectionId?: string,
    @Args('first', { type: () => Int, nullable: true }) first?: number,
  ): Promise<LoginRefusalCount[]> {
    return this.loginActivity.listRefusalCounts(caller, organizationId, connectionId ?? undefined, first ?? undefined);
  }
}
