import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { ApiKeysService } from '../api-keys/api-keys.service';
import type { MemberRoles, ProvisioningService } from './provisioning.service';
import { ROLES_READ_SCOPES } from './roles.controller';

/** The route pattern the warm path answers (as Express names it for the controller), for metrics. */
export const ROLES_BY_USER_ID_ROUTE = '/v1/organizations/:organizationId/users/:userId/roles';
const ROLES_BY_USER_ID =
  /^\/v1\/organizations\/([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\/users\/([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\/roles(?:\?|$)/;
const BEARER = /^Bearer\s+(\S{1,512})$/i;

type Listener = (request: IncomingMessage, response: ServerResponse) => void;
type Middleware = (request: IncomingMessage, response: ServerResponse, next: () => void) => void;

export interface RolesFastPathOptions {
  /** The server's Express listener: the one the fast path stands in front of. */
  express: Listener;
  apiKeys: ApiKeysService;
  provisioning: ProvisioningService;
  /** The per-request middleware every response passes (Server-Timing, request id and log line), in order. */
  middleware: Middleware[];
  /** Express's ETag function (`app.get('etag fn')`), so the ETag is the one res.json would send. */
  etagOf: ((body: Buffer, encoding?: BufferEncoding) => string | undefined) | undefined;
}

/**
 * The warm path of `GET /v1/organizations/:organizationId/users/:userId/roles`, answered in the
 * server's request listener before Express: when the API key is remembered as valid with an
 * accepted scope, the caller may act on the organization and the roles cache holds a current
 * answer naming a member, it sends that answer with the headers and body RolesController's
 * res.json would (Content-Type, Content-Length, weak ETag, X-Request-Id, Server-Timing; the
 * per-request middleware runs as for any request). Every other request (no or unknown key, wrong
 * scope, another tenant, an id that is not a plain UUID, a miss, a non-member, a conditional
 * request, another method or path spelling) goes to Express and the controller's guard, pipes and
 * exception filter, unchanged.
 */
export function installRolesFastPath(server: Server, options: RolesFastPathOptions): void {
  // Nest adds a listener of its own during init; only Express's is wrapped, the others stay in order.
  const listeners = server.listeners('request') as Listener[];
  const express = options.express;
  if (!listeners.includes(express)) throw new Error('the roles fast path found no Express listener to stand in front of');
  // The serialised answer of each cached object (the cache replaces objects, never changes one).
  const encoded = new WeakMap<MemberRoles, { body: Buffer; etag: string | undefined }>();
  const answer = (request: IncomingMessage): MemberRoles | undefined => {
    if (request.method !== 'GET' || request.url?.charCodeAt(1) !== 118 /* v */) return undefined;
    const path = ROLES_BY_USER_ID.exec(request.url);
    if (!path) return undefined;
    const headers = request.headers;
    if (headers['if-none-match'] !== undefined || headers['if-modified-since'] !== undefined) return undefined;
    const key = BEARER.exec(headers.authorization ?? '');
    if (!key) return undefined;
    const caller = options.apiKeys.rememberedCaller(key[1]);
    if (!caller || !ROLES_READ_SCOPES.some((scope) => caller.scopes.includes(scope))) return undefined;
    return options.provisioning.cachedRolesByUserId(caller, path[1].toLowerCase(), path[2].toLowerCase());
  };
  const noop = () => undefined;
  const fastPath = (request: IncomingMessage, response: ServerResponse) => {
    let roles: MemberRoles | undefined;
    try {
      roles = answer(request);
    } catch {
      roles = undefined;
    }
    if (!roles) return express(request, response);
    let entry = encoded.get(roles);
    if (!entry) {
      const body = Buffer.from(JSON.stringify(roles), 'utf8');
      entry = { body, etag: options.etagOf?.(body) };
      encoded.set(roles, entry);
    }
    for (const use of options.middleware) use(request, response, noop);
    response.statusCode = 200;
    response.setHeader('Content-Type', 'application/json; charset=utf-8');
    response.setHeader('Content-Length', entry.body.length);
    if (entry.etag) response.setHeader('ETag', entry.etag);
    response.end(entry.body);
  };
  server.removeAllListeners('request');
  for (const listener of listeners) server.on('request', listener === express ? fastPath : listener);
}
