import { Args, ID, Mutation, Resolver } from '@nestjs/graphql';
import { UseGuards } from '@nestjs/common';
import { RoleMapping } from './entities/role-mapping.entity';
import { RoleMappingService } from './role-mapping.service';
import { CreateRoleMappingInput } from './dto/role-mapping.input';
import { ApiKeyGuard, RequireScope } from '../common/api-key.guard';
import { Caller, CurrentCaller } from '../common/caller';
import { UuidPipe } from '../common/uuid.pipe';

@Resolver(() => RoleMapping)
@UseGuards(ApiKeyGuard)
@RequireScope('admin')
export class RoleMappingResolver {
  constructor(private readonly roleMappings: RoleMappingService) {}

  @Mutation(() => RoleMapping, {
    description:
      'Maps an IdP group to a role on a connection, from the next sign-in on (audited); a group already mapped on the connection is BAD_USER_INPUT. Scope admin; an organization key only for its own connections.',
  })
  createRoleMapping(
    @CurrentCaller() caller: Caller,
    @Args('input', { description: 'The group and the role it grants.' }) input: CreateRoleMappingInput,
  ): Promise<RoleMapping> {
    return this.roleMappings.create(caller, input);
  }

  @Mutation(() => Boolean, {
    description:
      'Removes a role mapping (audited); members keep their roles until their next sign-in. True once removed. Scope admin; an organization key only for its own.',
  })
  deleteRoleMapping(
    @CurrentCaller() caller: Caller,
    @Args('id', { type: () => ID, description: 'The role mapping’s id.' }, UuidPipe) id: string,
  ): Promise<boolean> {
    return this.roleMappings.delete(caller, id);
  }
}
