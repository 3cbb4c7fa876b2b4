import { Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { UseGuards } from '@nestjs/common';
import { RoleMapping } from './entities/role-mapping.entity';
import { RoleMappingService } from './role-mapping.service';
import { ApiKeyGuard, RequireScope } from '../common/api-key.guard';
import { RequestBatcher } from '../common/request-batcher';
import { Connection } from '../connections/entities/connection.entity';

/** `Connection.roleMappings`, resolved here so that connections need not know role mappings. */
@Resolver(() => Connection)
@UseGuards(ApiKeyGuard)
@RequireScope('admin')
export class RoleMappingFieldsOfConnection {
  constructor(
    private readonly roleMappingService: RoleMappingService,
    private readonly batcher: RequestBatcher,
  ) {}

  @ResolveField(() => [RoleMapping], { description: 'The IdP groups that grant roles through this connection, oldest first.' })
  roleMappings(@Parent() connection: Connection): Promise<RoleMapping[]> {
    return this.batcher.load('connection.roleMappings', connection.id, (ids) => this.roleMappingService.forConnections(ids));
  }
}
