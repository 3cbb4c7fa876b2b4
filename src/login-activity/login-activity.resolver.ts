import { Args, ID, Int, Query, Resolver } from '@nestjs/graphql';
import { UseGuards } from '@nestjs/common';
import { LoginAttempt } from './entities/login-attempt.entity';
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
}
