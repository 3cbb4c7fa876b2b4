import { Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { UseGuards } from '@nestjs/common';
import { Connection } from './entities/connection.entity';
import { ConnectionsService } from './connections.service';
import { ApiKeyGuard, RequireScope } from '../common/api-key.guard';
import { RequestBatcher } from '../common/request-batcher';
import { Organization } from '../organizations/entities/organization.entity';

/** `Organization.connections`, resolved here so that organizations need not know connections. */
@Resolver(() => Organization)
@UseGuards(ApiKeyGuard)
@RequireScope('admin')
export class ConnectionFieldsOfOrganization {
  constructor(
    private readonly connectionsService: ConnectionsService,
    private readonly batcher: RequestBatcher,
  ) {}

  @ResolveField(() => [Connection], { description: 'The organization’s IdP connections, oldest first.' })
  connections(@Parent() organization: Organization): Promise<Connection[]> {
    return this.batcher.load('organization.connections', organization.id, (ids) => this.connectionsService.forOrganizations(ids));
  }
}
