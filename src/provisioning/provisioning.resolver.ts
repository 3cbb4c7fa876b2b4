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

  @Mutation(() => Invitation, {
    description:
      'Invites an email of the organization’s verified domains (BAD_USER_INPUT otherwise); inviting it again changes the role. Scope admin; an organization key only for its own organization.',
  })
  inviteUser(
    @CurrentCaller() caller: Caller,
    @Args('input', { description: 'Who to invite, and with which role.' }) input: InviteUserInput,
  ): Promise<Invitation> {
    return this.provisioning.invite(caller, input);
  }

  @Mutation(() => Membership, {
    description: 'Sets a member’s roles and resources by hand (audited). Scope admin; an organization key only for its own members.',
  })
  setMemberRoles(
    @CurrentCaller() caller: Caller,
    @Args('input', { description: 'The member and what to set.' }) input: SetMemberRolesInput,
  ): Promise<Membership> {
    return this.provisioning.setMemberRoles(caller, input);
  }

  @Mutation(() => Boolean, {
    description:
      'Removes a member from the organization; their sessions end at once (audited). True once removed. Scope admin; an organization key only for its own members.',
  })
  removeMember(
    @CurrentCaller() caller: Caller,
    @Args('organizationId', { type: () => ID, description: 'The member’s organization.' }, UuidPipe) organizationId: string,
    @Args('userId', { type: () => ID, description: 'The member’s account id (User.id).' }, UuidPipe) userId: string,
  ): Promise<boolean> {
    return this.provisioning.removeMember(caller, organizationId, userId);
  }

  @Query(() => [Invitation], {
    description: 'The organization’s pending invitations, oldest first. Scope admin; an organization key only for its own.',
  })
  invitations(
    @CurrentCaller() caller: Caller,
    @Args('organizationId', { type: () => ID, description: 'The organization.' }, UuidPipe) organizationId: string,
  ): Promise<Invitation[]> {
    return this.provisioning.invitations(caller, organizationId);
  }

  @Mutation(() => Boolean, {
    description: 'Withdraws a pending invitation (audited). True once withdrawn. Scope admin; an organization key only for its own.',
  })
  revokeInvitation(
    @CurrentCaller() caller: Caller,
    @Args('id', { type: () => ID, description: 'The invitation’s id.' }, UuidPipe) id: string,
  ): Promise<boolean> {
    return this.provisioning.revokeInvitation(caller, id);
  }

  @Query(() => [Membership], {
    description:
      'The organization’s members with their accounts and roles, oldest first. Scope admin; an organization key only for its own.',
  })
  members(
    @CurrentCaller() caller: Caller,
    @Args('organizationId', { type: () => ID, description: 'The organization.' }, UuidPipe) organizationId: string,
  ): Promise<Membership[]> {
    return this.provisioning.members(caller, organizationId);
  }

  @Query(() => [String], {
    description:
      'A member’s role slugs, found by userId or email (give one); empty when there is no such member. Scope roles:read or admin; an organization key only for its own organization.',
  })
  @RequireScope('roles:read', 'admin')
  async userRoles(
    @CurrentCaller() caller: Caller,
    @Args('organizationId', { type: () => ID, description: 'The organization.' }, UuidPipe) organizationId: string,
    @Args('userId', { type: () => ID, nullable: true, description: 'The member’s account id (User.id).' }, UuidPipe) userId?: string,
    @Args('email', {
      type: () => String,
      nullable: true,
      description: 'The member’s email address (any case); used when userId is omitted.',
    })
    email?: string,
  ): Promise<string[]> {
    const found = await this.provisioning.rolesOf(caller, organizationId, {
      userId: userId ?? undefined,
      email: email?.slice(0, 320) ?? undefined,
    });
    return found?.roles ?? [];
  }
}
