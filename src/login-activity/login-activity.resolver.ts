import { Args, ID, Int, Query, Resolver } from '@nestjs/graphql';
import { UseGuards } from '@nestjs/common';
import { LoginAttempt } from './entities/login-attempt.entity';
import { LoginRefusalCount } from './entities/login-refusal-count.entity';
import { LoginActivityService } from './login-activity.service';
import { ApiKeyGuard, RequireScope } from '../common/api-key.guard';
import { Caller, CurrentCaller } from '../common/caller';
import { UuidPipe } from '../common/uuid.pipe';

@Resolver(() => LoginAttempt)
@UseGuards(ApiKeyGuard)
@RequireScope('admin')
export class LoginActivityResolver {
  constructor(private readonly loginActivity: LoginActivityService) {}

  @Query(() => [LoginAttempt], {
    description:
      'The organization’s SSO login attempts, newest first (kept 30 days). Scope admin; an organization key only its own organization’s.',
  })
  loginAttempts(
    @CurrentCaller() caller: Caller,
    @Args('organizationId', { type: () => ID, description: 'The organization.' }, UuidPipe) organizationId: string,
    @Args('connectionId', { type: () => ID, nullable: true, description: 'Only this connection’s attempts; omitted: all.' }, UuidPipe)
    connectionId?: string,
    @Args('first', { type: () => Int, nullable: true, description: 'How many of the newest attempts: 1–500, default 50.' }) first?: number,
  ): Promise<LoginAttempt[]> {
    return this.loginActivity.list(caller, organizationId, connectionId ?? undefined, first ?? undefined);
  }

  @Query(() => [LoginRefusalCount], {
    description:
      'Refusals before any IdP round trip (bogus iss, unknown or replayed state, inactive connection), counted per connection, minute and code, newest first. Scope admin; an organization key only its own organization’s.',
  })
  loginRefusalCounts(
    @CurrentCaller() caller: Caller,
    @Args('organizationId', { type: () => ID, description: 'The organization.' }, UuidPipe) organizationId: string,
    @Args('connectionId', { type: () => ID, nullable: true, description: 'Only this connection’s refusals; omitted: all.' }, UuidPipe)
    connectionId?: string,
    @Args('first', { type: () => Int, nullable: true, description: 'How many of the newest counts: 1–500, default 50.' }) first?: number,
  ): Promise<LoginRefusalCount[]> {
    return this.loginActivity.listRefusalCounts(caller, organizationId, connectionId ?? undefined, first ?? undefined);
  }
}
