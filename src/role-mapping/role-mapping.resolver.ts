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

  @Mutation(() => RoleMapping)
  createRoleMapping(@CurrentCaller() caller: Caller, @Args('input') input: CreateRoleMappingInput): Promise<RoleMapping> {
    return this.roleMappings.create(caller, input);
  }

  @Mutation(() => Boolean)
  deleteRoleMapping(@CurrentCaller() caller: Caller, @Args('id', { type: () => ID }, UuidPipe) id: string): Promise<boolean> {
    return this.roleMappings.delete(caller, id);
  }
}
