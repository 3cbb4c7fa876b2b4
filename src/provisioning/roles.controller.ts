import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ProvisioningService, type MemberRoles } from './provisioning.service';
import { ApiKeyGuard, RequireScope } from '../common/api-key.guard';
import { Caller, CurrentCaller } from '../common/caller';
import { UuidPipe } from '../common/uuid.pipe';
import { NotFoundError } from '../common/errors';
import type { ApiKeyScope } from '../common/caller';

/** The API key scopes that may read roles (also checked by the warm path in roles-fast-path.ts). */
export const ROLES_READ_SCOPES: ApiKeyScope[] = ['roles:read', 'admin'];

/** The body of both roles routes, as the contract states it. */
const MEMBER_ROLES = {
  type: 'object',
  properties: {
    userId: { type: 'string', format: 'uuid' },
    organizationId: { type: 'string', format: 'uuid' },
    roles: { type: 'array', items: { type: 'string' }, example: ['editor'] },
    resources: { type: 'array', items: { type: 'string' }, example: ['*'] },
  },
};

/** The roles API for the product's internal services (scope `roles:read`). */
@ApiTags('roles')
@ApiBearerAuth('api-key')
@ApiParam({ name: 'organizationId', format: 'uuid' })
@ApiResponse({ status: 401, description: 'no or unknown API key' })
@ApiResponse({ status: 403, description: 'the key lacks scope roles:read, or belongs to another organization' })
@ApiResponse({ status: 404, description: 'unknown user, or not a member' })
@Controller('v1/organizations/:organizationId')
@UseGuards(ApiKeyGuard)
@RequireScope(...ROLES_READ_SCOPES)
export class RolesController {
  constructor(private readonly provisioning: ProvisioningService) {}

  @Get('users/:userId/roles')
  @ApiOperation({ summary: "A member's roles, by user id (API key with scope roles:read)" })
  @ApiParam({ name: 'userId', format: 'uuid' })
  @ApiResponse({ status: 200, description: "the member's roles", schema: MEMBER_ROLES })
  async byUserId(
    @CurrentCaller() caller: Caller,
    @Param('organizationId', UuidPipe) organizationId: string,
    @Param('userId', UuidPipe) userId: string,
  ): Promise<MemberRoles> {
    return this.found(await this.provisioning.rolesOf(caller, organizationId, { userId }));
  }

  @Get('roles')
  @ApiOperation({ summary: "A member's roles, by email (API key with scope roles:read)" })
  @ApiQuery({ name: 'email', required: true })
  @ApiResponse({ status: 200, description: "the member's roles", schema: MEMBER_ROLES })
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
