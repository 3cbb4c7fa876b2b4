import type { Request, Response, NextFunction } from 'express';
import type { ApiKeysService } from '../api-keys/api-keys.service';
import type { ProvisioningService } from './provisioning.service';

const ROLES_BY_USER_ID =
  /^\/v1\/organizations\/([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\/users\/([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\/roles(?:\?|$)/;
const BEARER = /^Bearer\s+(\S{1,512})$/i;
/** The scopes RolesController accepts (its @RequireScope). */
const ACCEPTED_SCOPES = ['roles:read', 'admin'];

/**
 * The warm path of `GET /v1/organizations/:organizationId/users/:userId/roles` as plain Express
 * middleware in front of Nest's router: when the API key is remembered as valid with an accepted
 * scope, the caller may act on the organization and the roles cache holds a current answer naming
 * a member, it sends that answer exactly as RolesController would (res.json of the same object:
 * status 200, same headers, ETag and body). Every other request (no or unknown key, wrong scope,
 * another tenant, an id that is not a plain UUID, a miss, a non-member, any other path spelling)
 * goes on to the controller, its guard, pipes and exception filter, unchanged.
 */
export function rolesFastPath(apiKeys: ApiKeysService, provisioning: ProvisioningService) {
  return (request: Request, response: Response, next: NextFunction): void => {
    if (request.method !== 'GET' || request.url.charCodeAt(1) !== 118 /* v */) return next();
    const path = ROLES_BY_USER_ID.exec(request.url);
    if (!path) return next();
    const key = BEARER.exec(request.headers.authorization ?? '');
    if (!key) return next();
    const caller = apiKeys.rememberedCaller(key[1]);
    if (!caller || !ACCEPTED_SCOPES.some((scope) => caller.scopes.includes(scope as never))) return next();
    const roles = provisioning.cachedRolesByUserId(caller, path[1].toLowerCase(), path[2].toLowerCase());
    if (!roles) return next();
    (request as Request & { caller?: unknown }).caller = caller;
    response.status(200).json(roles);
  };
}
