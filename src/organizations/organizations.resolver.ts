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

  @Query(() => Organization, { nullable: true })
  organization(@CurrentCaller() caller: Caller, @Args('id', { type: () => ID }, UuidPipe) id: string): Promise<Organization | null> {
    return this.organizationsService.find(caller, id);
  }

  @Query(() => [Organization])
  organizations(@CurrentCaller() caller: Caller): Promise<Organization[]> {
    return this.organizationsService.list(caller);
  }

  @Mutation(() => Organization)
  createOrganization(@CurrentCaller() caller: Caller, @Args('input') input: CreateOrganizationInput): Promise<Organization> {
    return this.organizationsService.create(caller, input);
  }

  @Mutation(() => Organization)
  updateOrganization(
    @CurrentCaller() caller: Caller,
    @Args('id', { type: () => ID }, UuidPipe) id: string,
    @Args('input') input: UpdateOrganizationInput,
  ): Promise<Organization> {
    return this.organizationsService.update(caller, id, input);
  }

  @ResolveField(() => [Role])
  roles(): readonly Role[] {
    return BUILT_IN_ROLES;
  }
}
