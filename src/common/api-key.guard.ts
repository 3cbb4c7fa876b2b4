import { CanActivate, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { CallerAuthenticator, requestOf, type ApiKeyScope } from './caller';
import { ForbiddenError, UnauthenticatedError } from './errors';

const REQUIRED_SCOPES = 'apiKey:requiredScopes';

/** The scopes an operation accepts; a key needs one of them. */
export const RequireScope = (...scopes: ApiKeyScope[]) => SetMetadata(REQUIRED_SCOPES, scopes);

/** Authenticates `Authorization: Bearer <API key>` and checks the operation's scope. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly apiKeys: CallerAuthenticator,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = requestOf(context);
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S{1,512})$/i.exec(header);
    if (!match) throw new UnauthenticatedError('an API key is required: Authorization: Bearer <key>');
    const caller = await this.apiKeys.authenticate(match[1]);
    if (!caller) throw new UnauthenticatedError('the API key is not valid');
    const accepted = this.reflector.getAllAndOverride<ApiKeyScope[]>(REQUIRED_SCOPES, [context.getHandler(), context.getClass()]) ?? [
      'admin',
    ];
    if (!accepted.some((scope) => caller.scopes.includes(scope))) {
      throw new ForbiddenError(`this operation needs an API key with scope ${accepted.join(' or ')}`);
    }
    request.caller = caller;
    return true;
  }
}
