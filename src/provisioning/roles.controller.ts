import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { ProvisioningService, type MemberRoles } from './provisioning.service';
import { ApiKeyGuard, RequireScope } from '../common/api-key.guard';
import { Caller, CurrentCaller } from '../common/caller';
import { UuidPipe } from '../common/uuid.pipe';
import { NotFoundError } from '../common/errors';
import type { ApiKeyScope } from '../common/caller';

/** The API key scopes that may read roles (also checked by the warm path in roles-fast-path.ts). */
export const ROLES_READ_SCOPES: ApiKeyScope[] = ['roles:read', 'admin'];

/** The roles API for the product's internal services (scope `roles:read`). */
@Controller('v1/organizations/:organizationId')
@UseGuards(ApiKeyGuard)
@RequireScope(...ROLES_READ_SCOPES)
export class RolesController {
  constructor(private readonly provisioning: ProvisioningService) {}

  @Get('users/:userId/roles')
  async byUserId(
    @CurrentCaller() caller: Caller,
    @Param('organizationId', UuidPipe) organizationId: string,
    @Param('userId', UuidPipe) userId: string,
  ): Promise<MemberRoles> {
    return this.found(await this.provisioning.rolesOf(caller, organizationId, { userId }));
  }

  @Get('roles')
  async byEmail(
    @CurrentCaller() caller: Caller,
    @Param('organizationId', UuidPipe) organizationId: string,
    @Query('email') email: unknown,
  ): Promise<MemberRoles> {
    if (typeof email !== 'string' || !email) return this.found(undefined);
    return this.found(await this.provisioning.rolesOf(caller, organizationId, { email: email.slice(0, 320) }));
  }

  private found(roles: MemberRoles | undefined): MemberRoles {
    if (!roles) throw new NotFoundError('member');
    return roles;
  }
}
