import { Controller, Get, Inject, Param, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';

const ERROR_PAGE = { description: 'an error page (HTML), or `{"error": <code>}` with Accept: application/json' };
import type { Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import { SsoService } from './sso.service';
import { LoginStateService } from './login-state.service';
import { continuationWithError, redirectToIdp } from './idp-redirect';
import { sendConnectionTestReport } from './connection-test-report-page';
import { SsoErrorCode, SsoLoginError } from './sso-login.error';
import { sendSsoError } from './sso-error-page';
import { asDomainError } from '../common/app-exception.filter';
import { noteRequestFailure } from '../logging/request-logging.middleware';
import { SsoRateLimitGuard } from './sso-rate-limit.guard';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { SESSION_COOKIE, sessionCookieOptions } from './session-cookie';
import { ConnectionStrategy, authenticate } from './connection.strategy';
import { recordServerTiming } from '../common/server-timing';
import { ClientAssertionKeysService } from './client-assertion-keys.service';
import { DatabaseUnavailableError, RateLimitedError } from '../common/errors';

function firstString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * Every /sso route but the callback spends a point of the per-IP limit. A callback that gets as
 * far as the IdP spends the one-time state its initiate already paid for, and one that fails
 * before (unknown connection, bad state) counts as an early refusal against the same IP: limiting
 * it too cost every login a second write to the limiter and protected nothing more.
 */
@ApiTags('sso')
@Controller('sso')
export class SsoController {
  constructor(
    private readonly sso: SsoService,
    private readonly assertionKeys: ClientAssertionKeysService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('initiate/:connectionId')
  @UseGuards(SsoRateLimitGuard)
  @ApiOperation({
    summary: 'Start a login: 302 to the IdP (code flow, PKCE S256, state, nonce)',
    description: 'With `iss`, a third-party-initiated login (what Okta\'s "Initiate login URI" sends).',
  })
  @ApiParam({ name: 'connectionId', format: 'uuid' })
  @ApiQuery({ name: 'login_hint', required: false, description: 'passed on to the IdP' })
  @ApiQuery({ name: 'target_link_uri', required: false, description: 'where to land after login (an allowed origin)' })
  @ApiQuery({ name: 'return_to', required: false, description: 'the same as target_link_uri' })
  @ApiQuery({ name: 'iss', required: false, description: "the IdP's issuer, for a third-party-initiated login; another issuer gives 400" })
  @ApiResponse({ status: 302, description: "to the IdP's authorization endpoint, with the login's browser-binding cookie" })
  @ApiResponse({ status: 400, ...ERROR_PAGE })
  @ApiResponse({ status: 404, description: 'unknown_connection' })
  @ApiResponse({ status: 429, description: 'too many logins from this IP' })
  async initiate(@Param('connectionId') connectionId: string, @Req() request: Request, @Res() response: Response): Promise<void> {
    await this.handle(request, response, connectionId, async (correlationId) => {
      const query = request.query;
      const started = await this.sso.initiate(
        connectionId,
        {
          loginHint: firstString(query.login_hint),
          returnTo: firstString(query.target_link_uri) ?? firstString(query.return_to),
          iss: firstString(query.iss),
        },
        { correlationId, clientIp: request.ip ?? 'unknown' },
      );
      redirectToIdp(response, this.config, started);
    });
  }

  /** An admin's one-time test sign-in link (from the testConnection mutation). */
  @Get('test/:token')
  @UseGuards(SsoRateLimitGuard)
  @ApiOperation({
    summary: 'A test sign-in started by the testConnection mutation',
    description: 'Goes to the IdP and ends on a report page (JSON with Accept: application/json).',
  })
  @ApiParam({ name: 'token', description: 'the one-time token testConnection returned' })
  @ApiResponse({ status: 302, description: 'to the IdP' })
  @ApiResponse({ status: 404, description: 'unknown or used token' })
  async test(@Param('token') token: string, @Req() request: Request, @Res() response: Response): Promise<void> {
    await this.handle(request, response, undefined, async () => {
      redirectToIdp(response, this.config, await this.sso.startTest(token));
    });
  }

  @Get('callback/:connectionId')
  @ApiOperation({
    summary: 'The redirect URI handed to IdPs: checks the answer, signs the person in',
    description:
      'Success sets the session cookie and 302s to the return target. Failure: a 4xx, no cookie, and a body naming one callback error code.',
  })
  @ApiParam({ name: 'connectionId', format: 'uuid' })
  @ApiQuery({ name: 'code', required: false })
  @ApiQuery({ name: 'state', required: false })
  @ApiQuery({ name: 'iss', required: false, description: 'RFC 9207 issuer identification' })
  @ApiQuery({ name: 'error', required: false, description: 'an error the IdP reports' })
  @ApiResponse({ status: 302, description: 'signed in: to the return target (allowed origins only, otherwise APP_URL)' })
  @ApiResponse({ status: 400, ...ERROR_PAGE })
  @ApiResponse({ status: 403, ...ERROR_PAGE })
  async callback(@Param('connectionId') connectionId: string, @Req() request: Request, @Res() response: Response): Promise<void> {
    await this.handle(request, response, connectionId, async (correlationId) => {
      const currentUrl = new URL(request.originalUrl, this.config.publicUrl);
      const state = currentUrl.searchParams.get('state');
      const bindingCookie = state ? LoginStateService.bindingCookieName(state) : undefined;
      const binding = bindingCookie ? firstString(request.cookies?.[bindingCookie]) : undefined;
      if (bindingCookie) response.clearCookie(bindingCookie, { path: '/sso/callback/' });
      const strategy = new ConnectionStrategy(connectionId, () =>
        this.sso.callback(connectionId, currentUrl, binding, { correlationId, clientIp: request.ip ?? 'unknown' }, (ms) =>
          recordServerTiming(response, 'idp', ms),
        ),
      );
      const outcome = await authenticate(strategy, request, response);
      response.setHeader('Cache-Control', 'no-store');
      if (outcome.kind === 'test') {
        sendConnectionTestReport(request, response, outcome.test);
        return;
      }
      response.cookie(SESSION_COOKIE, outcome.session.token, sessionCookieOptions(this.config, outcome.session.expiresAt));
      response.redirect(302, outcome.returnTo);
    });
  }

  /**
   * The public keys of the service's private_key_jwt client assertions, for IdPs to fetch (every
   * connection's clientJwksUri). Cached briefly: a rotation keeps the previous key published.
   */
  @Get('client-jwks.json')
  @UseGuards(SsoRateLimitGuard)
  @ApiOperation({ summary: "The public keys of the service's client assertions (private_key_jwt), for IdPs to verify them" })
  @ApiResponse({ status: 200, description: '`{"keys":[...]}`' })
  async clientJwks(@Res() response: Response): Promise<void> {
    response.setHeader('Cache-Control', 'public, max-age=300');
    response.json(await this.assertionKeys.jwks());
  }

  @Get('discover')
  @UseGuards(SsoRateLimitGuard)
  @ApiOperation({ summary: "Home-realm discovery: 302 to the initiate URI of the connection that owns the email's domain" })
  @ApiQuery({ name: 'email', required: true, description: 'a work email; its verified domain picks the organization' })
  @ApiResponse({ status: 302, description: 'to /sso/initiate/:connectionId' })
  @ApiResponse({ status: 404, description: 'no_sso_for_domain' })
  async discover(@Query('email') email: unknown, @Req() request: Request, @Res() response: Response): Promise<void> {
    await this.handle(request, response, undefined, async () => {
      response.redirect(302, await this.sso.discover(firstString(email)));
    });
  }

  private async handle(
    request: Request,
    response: Response,
    connectionId: string | undefined,
    work: (correlationId: string) => Promise<void>,
  ): Promise<void> {
    // The service's own request id: in the log line, on the error page and in the login activity
    // alike; a caller's X-Request-Id is only logged beside it.
    const correlationId = String(request.id ?? randomUUID());
    const clientRef = request.clientRequestId ? `, client request id ${request.clientRequestId}` : '';
    try {
      await work(correlationId);
    } catch (error) {
      // A rate limit (429 with Retry-After) is the app filter's to answer.
      if (error instanceof RateLimitedError) throw error;
      // One log line per failure: its cause goes into the request's own line.
      if (error instanceof SsoLoginError) {
        noteRequestFailure(response, {
          level: 'warn',
          cause: `sign-in failed: ${error.code} (connection ${connectionId ?? '-'}${clientRef}): ${error.detail}`,
        });
        if (error.continuation) {
          response.setHeader('Cache-Control', 'no-store');
          response.redirect(302, continuationWithError(error.continuation, error.code));
          return;
        }
        sendSsoError(request, response, error, correlationId);
        return;
      }
      // A database outage is not the IdP's fault: the one filter answers it as "briefly unavailable".
      const known = asDomainError(error, this.config);
      if (known instanceof DatabaseUnavailableError) throw known;
      noteRequestFailure(response, {
        level: 'error',
        cause: `sign-in failed unexpectedly (connection ${connectionId ?? '-'}${clientRef})`,
        err: error,
      });
      sendSsoError(request, response, new SsoLoginError(SsoErrorCode.IDP_ERROR, 'unexpected error'), correlationId);
    }
  }
}
