import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { Request } from 'express';
import { ForbiddenError } from './errors';

/** What an API key may do. */
export const API_KEY_SCOPES = ['admin', 'roles:read'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** Who is calling: an API key, platform-wide (organizationId null) or bound to one organization. */
export interface Caller {
  apiKeyId: string;
  organizationId: string | null;
  scopes: ApiKeyScope[];
  /** Who the audit log names, when it is not the API key (e.g. `setup_link:<id>` for the setup portal). */
  actor?: string;
}

/**
 * Turns an API key's secret into its caller (undefined when the key is not valid). The api-keys
 * context provides it; the guard below depends only on this, so every context can guard its
 * resolvers without importing api-keys (which itself depends on organizations and audit).
 */
export abstract class CallerAuthenticator {
  abstract authenticate(secret: string): Promise<Caller | undefined>;
}

export type RequestWithCaller = Request & { caller?: Caller };

export function actorOf(caller: Caller): string {
  return caller.actor ?? `api_key:${caller.apiKeyId}`;
}

export function isPlatformCaller(caller: Caller): boolean {
  return caller.organizationId === null;
}

/** A platform key acts on every organization, an organization key on its own only. */
export function canActOn(caller: Caller, organizationId: string): boolean {
  return caller.organizationId === null || caller.organizationId === organizationId;
}

/**
 * Refuses an organization key acting on another organization. The answer is the same
 * whether or not that organization exists, so it reveals nothing about other tenants.
 */
export function assertCanActOn(caller: Caller, organizationId: string): void {
  if (!canActOn(caller, organizationId)) throw new ForbiddenError('this API key may only act on its own organization');
}

/** A `where` narrowed to the caller's organization, unless the caller is a platform key. */
export function withinCallerScope<T extends object>(caller: Caller, where: T): T & { organizationId?: string } {
  return caller.organizationId === null ? where : { ...where, organizationId: caller.organizationId };
}

function requestOf(context: ExecutionContext): RequestWithCaller {
  return context.getType<string>() === 'graphql'
    ? GqlExecutionContext.create(context).getContext<{ req: RequestWithCaller }>().req
    : context.switchToHttp().getRequest<RequestWithCaller>();
}

/** The caller the ApiKeyGuard authenticated, handed to a resolver or controller. */
export const CurrentCaller = createParamDecorator((_data: unknown, context: ExecutionContext): Caller => {
  const caller = requestOf(context).caller;
  if (!caller) throw new Error('CurrentCaller used on a route without ApiKeyGuard');
  return caller;
});

export { requestOf };
