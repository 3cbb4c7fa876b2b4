import { Args, ID, Mutation, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { UseGuards } from '@nestjs/common';
import { Organization } from './entities/organization.entity';
import { OrganizationsService } from './organizations.service';
import { CreateOrganizationInput, UpdateOrganizationInput } from './dto/organization.input';
import { BUILT_IN_ROLES, Role } from './roles';
import { ApiKeyGuard, RequireScope } from '../common/api-key.guard';
import { Caller, CurrentCaller } from '../common/caller';
import { UuidPipe } from '../common/uuid.pipe';

@Resolver(() => Organization)
@UseGuards(ApiKeyGuard)
@RequireScope('admin')
export class OrganizationsResolver {
  constructor(private readonly organizationsService: OrganizationsService) {}

  @Query(() => Organization, {
    nullable: true,
    description:
      'One organization; null when it does not exist or the key may not see it. Scope admin; an organization key sees only its own.',
  })
  organization(
    @CurrentCaller() caller: Caller,
    @Args('id', { type: () => ID, description: 'The organization’s id.' }, UuidPipe) id: string,
  ): Promise<Organization | null> {
    return this.organizationsService.find(caller, id);
  }

  @Query(() => [Organization], {
    description: 'Every organization, oldest first, for a platform key; an organization key gets only its own. Scope admin.',
  })
  organizations(@CurrentCaller() caller: Caller): Promise<Organization[]> {
    return this.organizationsService.list(caller);
  }

  @Mutation(() => Organization, { description: 'Creates an organization with the built-in roles. Scope admin; platform key only.' })
  createOrganization(
    @CurrentCaller() caller: Caller,
    @Args('input', { description: 'The new organization.' }) input: CreateOrganizationInput,
  ): Promise<Organization> {
    return this.organizationsService.create(caller, input);
  }

  @Mutation(() => Organization, {
    description: 'Changes an organization’s settings (audited). Scope admin; an organization key only its own.',
  })
  updateOrganization(
    @CurrentCaller() caller: Caller,
    @Args('id', { type: () => ID, description: 'The organization’s id.' }, UuidPipe) id: string,
    @Args('input', { description: 'The settings to change.' }) input: UpdateOrganizationInput,
  ): Promise<Organization> {
    return this.organizationsService.update(caller, id, input);
  }

  @ResolveField(() => [Role], { description: 'The roles its members can hold (the built-in four).' })
  roles(): readonly Role[] {
    return BUILT_IN_ROLES;
  }
}
