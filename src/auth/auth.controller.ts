import { Controller, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';

/** The body of GET /auth/me, as the contract states it. */
const SIGNED_IN_MEMBER = {
  type: 'object',
  properties: {
    user: {
      type: 'object',
      properties: {
        id: { type: 'string', format: 'uuid' },
        email: { type: 'string' },
        firstName: { type: 'string', nullable: true },
        lastName: { type: 'string', nullable: true },
      },
    },
    organization: { type: 'object', properties: { id: { type: 'string', format: 'uuid' }, slug: { type: 'string' } } },
    roles: { type: 'array', items: { type: 'string' }, example: ['editor'] },
  },
};
import type { Request, Response } from 'express';
import { SessionsService } from './sessions.service';
import { SigningKeysService } from './signing-keys.service';
import { SESSION_COOKIE, sessionCookieOptions } from './session-cookie';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { asDomainError } from '../common/app-exception.filter';
import { DatabaseUnavailableError } from '../common/errors';

function tokenOf(request: Request): string | undefined {
  const header = request.headers.authorization;
  const bearer = header && /^Bearer\s+(\S{1,4096})$/i.exec(header)?.[1];
  const cookie = request.cookies?.[SESSION_COOKIE];
  return bearer || (typeof cookie === 'string' ? cookie : undefined);
}

@ApiTags('session')
@Controller()
export class AuthController {
  constructor(
    private readonly sessions: SessionsService,
    private readonly signingKeys: SigningKeysService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('auth/me')
  @ApiOperation({
    summary: 'The signed-in person: user, organization and roles',
    description: 'With the session cookie or `Authorization: Bearer <session token>`.',
  })
  @ApiCookieAuth('session')
  @ApiBearerAuth('session-token')
  @ApiResponse({ status: 200, description: "the session's member", schema: SIGNED_IN_MEMBER })
  @ApiResponse({ status: 401, description: '`{"error":"unauthenticated"}`: no valid session' })
  async me(@Req() request: Request, @Res() response: Response): Promise<void> {
    const token = tokenOf(request);
    const claims = token ? await this.sessions.claimsOf(token) : undefined;
    // One query checks the session is live and reads the member it stands for.
    const member = claims ? await this.sessions.memberView(claims) : undefined;
    response.setHeader('Cache-Control', 'no-store');
    if (!member) {
      response.status(401).json({ error: 'unauthenticated', message: 'no valid session' });
      return;
    }
    response.json(member);
  }

  @Post('auth/logout')
  @ApiOperation({ summary: 'End the session: its token stops working at /auth/me' })
  @ApiCookieAuth('session')
  @ApiBearerAuth('session-token')
  @ApiResponse({ status: 204, description: 'signed out (also without a session)' })
  @HttpCode(204)
  async logout(@Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<void> {
    // The cookie goes whatever happens next: this browser stops presenting the token at once.
    response.clearCookie(SESSION_COOKIE, sessionCookieOptions(this.config));
    const token = tokenOf(request);
    try {
      const session = token ? await this.sessions.resolve(token) : undefined;
      if (session) await this.sessions.revoke(session.sessionId);
    } catch (error) {
      // Never a success that is not one: the token stays valid until it expires, so say so.
      const known = asDomainError(error, this.config);
      if (!(known instanceof DatabaseUnavailableError)) throw error;
      throw new DatabaseUnavailableError(known.reason, {
        cause: error,
        message: 'The session could not be ended because the service is briefly unavailable; sign out again in a few seconds',
      });
    }
  }

  @Get('.well-known/jwks.json')
  @ApiOperation({ summary: 'The public keys that verify session tokens (JWKS, RFC 7517)' })
  @ApiResponse({ status: 200, description: '`{"keys":[...]}`' })
  async jwks(@Res() response: Response): Promise<void> {
    response.setHeader('Cache-Control', 'public, max-age=300');
    response.json(await this.signingKeys.jwks());
  }
}
