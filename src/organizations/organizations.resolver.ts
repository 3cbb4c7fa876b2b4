import { Args, ID, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { UseGuards } from '@nestjs/common';
import { Organization } from './entities/organization.entity';
import { OrganizationsService } from './organizations.service';
import { CreateOrganizationInput, UpdateOrganizationInput } from './dto/organization.input';
import { BUILT_IN_ROLES, Role } from './roles';
import { ApiKeyGuard, RequireScope } from '../api-keys/api-key.guard';
import { Caller, CurrentCaller } from '../common/caller';
import { UuidPipe } from '../common/uuid.pipe';
import { Domain } from '../domains/entities/domain.entity';
import { DomainsService } from '../domains/domains.service';
import { RequestBatcher } from '../common/request-batcher';
import { Connection } from '../connections/entities/connection.entity';
import { ConnectionsService } from '../connections/connections.service';

@Resolver(() => Organization)
@UseGuards(ApiKeyGuard)
@RequireScope('admin')
export class OrganizationsResolver {
  constructor(
    private readonly organizationsService: OrganizationsService,
    private readonly domainsService: DomainsService,
    private readonly connectionsService: ConnectionsService,
    private readonly batcher: RequestBatcher,
  ) {}

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

  @ResolveField(() => [Domain])
  domains(@Parent() organization: Organization): Promise<Domain[]> {
    return this.batcher.load('organization.domains', organization.id, (ids) => this.domainsService.forOrganizations(ids));
  }

  @ResolveField(() => [Connection])
  connections(@Parent() organization: Organization): Promise<Connection[]> {
    return this.batcher.load('organization.connections', organization.id, (ids) => this.connectionsService.forOrganizations(ids));
  }

  @ResolveField(() => [Role])
  roles(): readonly Role[] {
    return BUILT_IN_ROLES;
  }
}
