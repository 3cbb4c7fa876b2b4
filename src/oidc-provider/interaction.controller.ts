import { ApiExcludeController } from '@nestjs/swagger';
import { Body, Controller, Get, Inject, Logger, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { escapeHtml, htmlPage } from '../common/html';
import { SsoService } from '../auth/sso.service';
import { SsoErrorCode, SsoLoginError, explain } from '../auth/sso-login.error';
import { SESSION_COOKIE } from '../auth/session-cookie';
import { redirectToIdp } from '../auth/idp-redirect';
import type { SessionClaims } from '../auth/sessions.service';
import type { Connection } from '../connections/entities/connection.entity';
import { OidcProviderService } from './oidc-provider.service';
import { INTERACTION_PATH, OIDC_MOUNT_PATH } from './oidc-paths';
import { emailOf, selectorOf, type OrganizationSelector } from './organization-selector';
import type { Interaction, ProviderInstance } from './oidc-provider.types';

const SSO_ERROR_CODES = new Set<string>(Object.values(SsoErrorCode));

/** An interaction that cannot go on: the browser lacks its cookie, or it expired. */
class InteractionGoneError extends Error {}

/**
 * The login step of an application's authorization request. It picks the organization (by
 * `connection`, `organization`, `login_hint` or a work email typed in), signs the person in
 * through that organization's IdP with the service's own SSO login, and finishes the
 * interaction with the service session that login leaves, or with the login's refusal.
 */
// HTML pages for a person's browser, not an API: left out of /openapi.json (see docs/).
@ApiExcludeController()
@Controller(`${OIDC_MOUNT_PATH.slice(1)}${INTERACTION_PATH}:uid`)
export class InteractionController {
  private readonly logger = new Logger(InteractionController.name);

  constructor(
    private readonly op: OidcProviderService,
    private readonly sso: SsoService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  async start(@Param('uid') uid: string, @Req() request: Request, @Res() response: Response): Promise<void> {
    await this.handle(uid, request, response, async (provider, interaction) => {
      const selector = selectorOf(interaction.params);
      const loginHint = typeof interaction.params.login_hint === 'string' ? interaction.params.login_hint : undefined;
      if (selector.kind === 'none') {
        const live = await this.liveSession(request);
        if (live) return this.finishSignedIn(provider, request, response, live);
        return sendEmailPage(response, uid, loginHint ?? '');
      }
      const connection = await this.op.connectionFor(selector);
      if (!connection) {
        if (selector.kind === 'email') return sendEmailPage(response, uid, selector.email, noSsoMessage());
        return this.refuse(provider, request, response, SsoErrorCode.UNKNOWN_CONNECTION);
      }
      await this.signInThrough(provider, request, response, uid, connection, selector.kind === 'email' ? selector.email : loginHint);
    });
  }

  @Post('email')
  async email(@Param('uid') uid: string, @Body('email') typed: unknown, @Req() request: Request, @Res() response: Response): Promise<void> {
    await this.handle(uid, request, response, async (provider) => {
      const email = emailOf(typeof typed === 'string' ? typed : undefined);
      if (!email)
        return sendEmailPage(response, uid, typeof typed === 'string' ? typed.slice(0, 320) : '', 'Enter your work email address.');
      const connection = await this.sso.connectionForEmail(email);
      if (!connection) return sendEmailPage(response, uid, email, noSsoMessage());
      await this.signInThrough(provider, request, response, uid, connection, email);
    });
  }

  /** Where the SSO callback continues: the login's refusal, or the session it left in the browser. */
  @Get('continue')
  async continue(
    @Param('uid') uid: string,
    @Query('error') error: unknown,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    await this.handle(uid, request, response, async (provider, interaction) => {
      if (typeof error === 'string') {
        return this.refuse(provider, request, response, SSO_ERROR_CODES.has(error) ? (error as SsoErrorCode) : SsoErrorCode.IDP_ERROR);
      }
      const live = await this.liveSession(request);
      if (!live || !(await this.isOfRequestedOrganization(live, selectorOf(interaction.params)))) {
        return this.refuse(provider, request, response, SsoErrorCode.INVALID_STATE);
      }
      await this.finishSignedIn(provider, request, response, live);
    });
  }

  /**
   * The person's IdP, through the service's SSO login; a service session they already have for the
   * same organization (an earlier login, another app, an IdP-initiated login) is used as it is.
   */
  private async signInThrough(
    provider: ProviderInstance,
    request: Request,
    response: Response,
    uid: string,
    connection: Connection,
    loginHint: string | undefined,
  ): Promise<void> {
    const live = await this.liveSession(request);
    if (live && live.organizationId === connection.organizationId) return this.finishSignedIn(provider, request, response, live);
    try {
      const started = await this.sso.initiateContinued(
        connection.id,
        { loginHint, continuation: `${this.op.issuer}${INTERACTION_PATH}${encodeURIComponent(uid)}/continue` },
        { correlationId: String(request.id ?? randomUUID()), clientIp: request.ip ?? 'unknown' },
      );
      redirectToIdp(response, this.config, started);
    } catch (error) {
      if (!(error instanceof SsoLoginError)) throw error;
      await this.refuse(provider, request, response, error.code);
    }
  }

  /** A session answers a request that names an organization only when it is that organization's. */
  private async isOfRequestedOrganization(session: SessionClaims, selector: OrganizationSelector): Promise<boolean> {
    if (selector.kind === 'none') return true;
    return (await this.op.connectionFor(selector))?.organizationId === session.organizationId;
  }

  private liveSession(request: Request): Promise<SessionClaims | undefined> {
    const cookie = request.cookies?.[SESSION_COOKIE] as unknown;
    return this.op.liveSession(typeof cookie === 'string' ? cookie : undefined);
  }

  private finishSignedIn(provider: ProviderInstance, request: Request, response: Response, session: SessionClaims): Promise<void> {
    return provider.interactionFinished(
      request,
      response,
      { login: { accountId: session.userId, amr: ['fed'] } },
      { mergeWithLastSubmission: false },
    );
  }

  /** The refusal goes back to the app's redirect_uri: access_denied, the callback error code first. */
  private refuse(provider: ProviderInstance, request: Request, response: Response, code: SsoErrorCode): Promise<void> {
    return provider.interactionFinished(
      request,
      response,
      { error: 'access_denied', error_description: `${code}: ${explain(code).title}` },
      { mergeWithLastSubmission: false },
    );
  }

  private async handle(
    uid: string,
    request: Request,
    response: Response,
    work: (provider: ProviderInstance, interaction: Interaction) => Promise<void>,
  ): Promise<void> {
    response.setHeader('Cache-Control', 'no-store');
    try {
      const provider = await this.op.provider();
      const interaction = await provider.interactionDetails(request, response).catch((error: unknown) => {
        throw new InteractionGoneError('no interaction for this browser', { cause: error });
      });
      if (interaction.uid !== uid) throw new InteractionGoneError('the interaction cookie is of another interaction');
      await work(provider, interaction);
    } catch (error) {
      if (!(error instanceof InteractionGoneError)) {
        this.logger.error(`sign-in for an application failed: ${error instanceof Error ? error.stack : String(error)}`);
      }
      if (response.headersSent) return;
      response
        .status(error instanceof InteractionGoneError ? 400 : 500)
        .type('html')
        .send(
          htmlPage(
            'Sign-in failed',
            `<h1>This sign-in has expired or was already used</h1>\n<p>Go back to the application and sign in again.</p>`,
          ),
        );
    }
  }
}

function noSsoMessage(): string {
  return explain(SsoErrorCode.NO_SSO_FOR_DOMAIN).title;
}

/** The page that asks for the work email when the app's request names no organization. */
function sendEmailPage(response: Response, uid: string, email: string, problem?: string): void {
  response
    .status(problem ? 400 : 200)
    .type('html')
    .send(
      htmlPage(
        'Sign in',
        `<h1>Sign in with your work account</h1>
${problem ? `<p role="alert">${escapeHtml(problem)}</p>\n` : ''}<form method="post" action="${escapeHtml(`${OIDC_MOUNT_PATH}${INTERACTION_PATH}${encodeURIComponent(uid)}/email`)}">
<p><label for="email">Work email</label><br>
<input id="email" name="email" type="email" autocomplete="email" required value="${escapeHtml(email)}"></p>
<p><button id="continue" type="submit">Continue</button></p>
</form>`,
      ),
    );
}
