import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { UseGuards } from '@nestjs/common';
import { Invitation } from './entities/invitation.entity';
import { Membership } from './entities/membership.entity';
import { ProvisioningService } from './provisioning.service';
import { InviteUserInput } from './dto/invite-user.input';
import { SetMemberRolesInput } from './dto/member.input';
import { ApiKeyGuard, RequireScope } from '../common/api-key.guard';
import { Caller, CurrentCaller } from '../common/caller';
import { UuidPipe } from '../common/uuid.pipe';

@Resolver()
@UseGuards(ApiKeyGuard)
@RequireScope('admin')
export class ProvisioningResolver {
  constructor(private readonly provisioning: ProvisioningService) {}

  @Mutation(() => Invitation)
  inviteUser(@CurrentCaller() caller: Caller, @Args('input') input: InviteUserInput): Promise<Invitation> {
    return this.provisioning.invite(caller, input);
  }

  @Mutation(() => Membership)
  setMemberRoles(@CurrentCaller() caller: Caller, @Args('input') input: SetMemberRolesInput): Promise<Membership> {
    return this.provisioning.setMemberRoles(caller, input);
  }

  @Mutation(() => Boolean)
  removeMember(
    @CurrentCaller() caller: Caller,
    @Args('organizationId', { type: () => ID }, UuidPipe) organizationId: string,
    @Args('userId', { type: () => ID }, UuidPipe) userId: string,
  ): Promise<boolean> {
    return this.provisioning.removeMember(caller, organizationId, userId);
  }

  /** Pending invitations. */
  @Query(() => [Invitation])
  invitations(
    @CurrentCaller() caller: Caller,
    @Args('organizationId', { type: () => ID }, UuidPipe) organizationId: string,
  ): Promise<Invitation[]> {
    return this.provisioning.invitations(caller, organizationId);
  }

  @Mutation(() => Boolean)
  revokeInvitation(@CurrentCaller() caller: Caller, @Args('id', { type: () => ID }, UuidPipe) id: string): Promise<boolean> {
    return this.provisioning.revokeInvitation(caller, id);
  }

  @Query(() => [Membership])
  members(
    @CurrentCaller() caller: Caller,
    @Args('organizationId', { type: () => ID }, UuidPipe) organizationId: string,
  ): Promise<Membership[]> {
    return this.provisioning.members(caller, organizationId);
  }

  /** A member's role slugs; empty when the user is not a member. */
  @Query(() => [String])
  @RequireScope('roles:read', 'admin')
  async userRoles(
    @CurrentCaller() caller: Caller,
    @Args('organizationId', { type: () => ID }, UuidPipe) organizationId: string,
    @Args('userId', { type: () => ID, nullable: true }, UuidPipe) userId?: string,
    @Args('email', { type: () => String, nullable: true }) email?: string,
  ): Promise<string[]> {
    const found = await this.provisioning.rolesOf(caller, organizationId, {
      userId: userId ?? undefined,
      email: email?.slice(0, 320) ?? undefined,
    });
    return found?.roles ?? [];
  }
}
