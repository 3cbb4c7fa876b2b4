import { ApiExcludeController } from '@nestjs/swagger';
import { Controller, Get, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { CookieOptions, Request, Response } from 'express';
import { SetupLinksService, SETUP_SESSION_IDLE_MINUTES, type SetupLinkRefusal, type SetupPortal } from './setup-links.service';
import { SetupProgress } from './setup-progress';
import { PORTAL_SCRIPT, PORTAL_STYLE, plainPortalPage, stepPath, type SetupStep } from './pages/layout';
import {
  domainsPage,
  identityProviderPage,
  requireSsoPage,
  rolesPage,
  summaryPage,
  testPage,
  type FormError,
  type IdpFormValues,
} from './pages/steps';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { AppError, BadInputError } from '../common/errors';
import { escapeHtml } from '../common/html';
import { validateInput } from '../common/validation.pipe';
import { DomainsService } from '../domains/domains.service';
import { DomainStatus } from '../domains/entities/domain.entity';
import { ConnectionsService } from '../connections/connections.service';
import { ConnectionType } from '../connections/entities/connection.entity';
import { CreateConnectionInput, UpdateConnectionInput } from '../connections/dto/connection.input';
import { IDP_GUIDES } from '../connections/idp-guides';
import { RoleMappingService } from '../role-mapping/role-mapping.service';
import { CreateRoleMappingInput } from '../role-mapping/dto/role-mapping.input';
import { OrganizationsService } from '../organizations/organizations.service';
import { UpdateOrganizationInput } from '../organizations/dto/organization.input';
import { ConnectionTestsService } from '../connection-tests/connection-tests.service';

export const SETUP_COOKIE = 'sso_setup';

const REFUSALS: Record<SetupLinkRefusal | 'no_session', { status: number; title: string; text: string }> = {
  unknown: {
    status: 404,
    title: 'This setup link does not work',
    text: 'The link is not known. Check that it was copied whole, or ask whoever sent it for a new one.',
  },
  expired: {
    status: 410,
    title: 'This setup link has expired',
    text: 'Setup links work for a limited time. Ask whoever sent it for a new one.',
  },
  revoked: {
    status: 410,
    title: 'This setup link was withdrawn',
    text: 'Whoever sent it has revoked it. Ask them for a new one if you still need to set up SSO.',
  },
  used: {
    status: 410,
    title: 'This setup link was already used',
    text: 'A setup link opens once, in one browser. Continue in the browser where you opened it, or ask for a new link.',
  },
  no_session: {
    status: 401,
    title: 'Your setup session has ended',
    text: `Setup sessions end after ${SETUP_SESSION_IDLE_MINUTES} minutes without activity, or when the link expires. Ask whoever sent the setup link for a new one.`,
  },
};

/**
 * The setup portal: server-rendered pages (plain forms, no client app to build), so they work
 * with the keyboard, a screen reader and without JavaScript, and every change goes through the
 * same services and validation as the GraphQL API, audited as `setup_link:<id>`.
 */
// HTML pages for a person's browser, not an API: left out of /openapi.json (see docs/).
@ApiExcludeController()
@Controller('setup')
export class SetupPortalController {
  constructor(
    private readonly setupLinks: SetupLinksService,
    private readonly progress: SetupProgress,
    private readonly domains: DomainsService,
    private readonly connections: ConnectionsService,
    private readonly roleMappings: RoleMappingService,
    private readonly organizations: OrganizationsService,
    private readonly connectionTests: ConnectionTestsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('assets/portal.js')
  script(@Res() response: Response): void {
    response.type('application/javascript').setHeader('Cache-Control', 'public, max-age=3600');
    response.send(PORTAL_SCRIPT);
  }

  @Get('assets/portal.css')
  style(@Res() response: Response): void {
    response.type('text/css').setHeader('Cache-Control', 'public, max-age=3600');
    response.send(PORTAL_STYLE);
  }

  /** Names the organization and asks before using the link up: a mail scanner's GET opens nothing. */
  @Get('link/:token')
  async landing(@Param('token') token: string, @Res() response: Response): Promise<void> {
    const inspected = await this.setupLinks.inspect(token);
    if ('refusal' in inspected) return this.refuse(response, inspected.refusal);
    const { organization, link } = inspected;
    this.sendPage(
      response,
      200,
      plainPortalPage(
        `Set up single sign-on for ${organization.name}`,
        `<p>You were asked to connect <strong>${escapeHtml(organization.name)}</strong> to your identity provider (Microsoft Entra ID, Okta or another OpenID Connect provider), so your people sign in with their work accounts.</p>
<p>It takes about five minutes: prove your email domain, register an app at your identity provider, test a sign-in. This link works once, in this browser, until ${escapeHtml(link.expiresAt.toUTCString())}.</p>
<form method="post" action="/setup/link/${escapeHtml(encodeURIComponent(token))}"><button type="submit">Start the setup</button></form>`,
      ),
    );
  }

  @Post('link/:token')
  async open(@Param('token') token: string, @Res() response: Response): Promise<void> {
    const opened = await this.setupLinks.open(token);
    if ('refusal' in opened) return this.refuse(response, opened.refusal);
    response.cookie(SETUP_COOKIE, opened.sessionToken, this.cookieOptions());
    response.redirect(303, '/setup');
  }

  @Get()
  async summary(@Req() request: Request, @Res() response: Response): Promise<void> {
    const portal = await this.portal(request, response);
    if (!portal) return;
    const progress = await this.progress.of(portal);
    this.sendPage(response, 200, summaryPage(progress.frame('summary'), progress.items));
  }

  @Get('domains')
  async domainsStep(@Req() request: Request, @Res() response: Response, @Query('flash') flash?: string): Promise<void> {
    const portal = await this.portal(request, response);
    if (portal) await this.renderDomains(portal, request, response, { flash });
  }

  @Post('domains')
  async addDomain(@Req() request: Request, @Res() response: Response): Promise<void> {
    const portal = await this.portal(request, response, { form: true });
    if (!portal) return;
    const typed = bodyText(request, 'domain');
    await this.attempt(
      response,
      async () => {
        const domain = await this.domains.add(portal.caller, portal.organization.id, typed);
        this.backTo(response, 'domains', `${domain.domain} added: publish its TXT record, then choose Check now.`);
      },
      (error) => this.renderDomains(portal, request, response, { error, typed }),
    );
  }

  @Post('domains/:id/check')
  async checkDomain(@Param('id') id: string, @Req() request: Request, @Res() response: Response): Promise<void> {
    const portal = await this.portal(request, response, { form: true });
    if (!portal) return;
    await this.attempt(
      response,
      async () => {
        const domain = await this.domains.verify(portal.caller, id);
        this.backTo(
          response,
          'domains',
          domain.status === DomainStatus.VERIFIED ? `${domain.domain} is verified.` : `${domain.domain} is not verified yet.`,
        );
      },
      (error) => this.renderDomains(portal, request, response, { error }),
    );
  }

  @Get('identity-provider')
  async identityProviderStep(
    @Req() request: Request,
    @Res() response: Response,
    @Query('type') type?: string,
    @Query('flash') flash?: string,
  ): Promise<void> {
    const portal = await this.portal(request, response);
    if (portal) await this.renderIdentityProvider(portal, request, response, { type, flash });
  }

  @Post('identity-provider')
  async saveIdentityProvider(@Req() request: Request, @Res() response: Response): Promise<void> {
    const portal = await this.portal(request, response, { form: true });
    if (!portal) return;
    const values = idpValuesOf(request);
    const type = bodyText(request, 'type');
    await this.attempt(
      response,
      async () => {
        const existing = await this.connections.find(portal.caller, portal.link.connectionId);
        const settings = {
          ...presetFieldsOf(values),
          clientSecret: bodyText(request, 'clientSecret') || undefined,
          clientSecretExpiresAt: expiryDateOf(values.clientSecretExpiresAt),
        };
        if (existing) {
          const input = await validateInput(UpdateConnectionInput, { ...settings, clientId: values.clientId ?? undefined });
          await this.connections.update(portal.caller, existing.id, input);
        } else {
          const input = await validateInput(CreateConnectionInput, {
            ...settings,
            organizationId: portal.organization.id,
            type,
            clientId: values.clientId ?? '',
          });
          await this.connections.create(portal.caller, input, { id: portal.link.connectionId });
        }
        this.backTo(response, 'test', 'Connection saved. Now test a sign-in.');
      },
      (error) => this.renderIdentityProvider(portal, request, response, { type, values, error }),
    );
  }

  @Get('test')
  async testStep(@Req() request: Request, @Res() response: Response, @Query('flash') flash?: string): Promise<void> {
    const portal = await this.portal(request, response);
    if (!portal) return;
    const progress = await this.progress.of(portal);
    const tests = progress.connection ? await this.connectionTests.list(portal.caller, progress.connection.id, 1) : [];
    const latest = tests[0]
      ? {
          at: tests[0].createdAt,
          succeeded: tests[0].succeeded,
          email: tests[0].email,
          groups: tests[0].groups,
          roles: tests[0].roles,
          problems: tests[0].problems,
        }
      : null;
    this.sendPage(response, 200, testPage(progress.frame('test', flash), this.csrf(request), progress.connection !== null, latest));
  }

  @Post('test')
  async startTest(@Req() request: Request, @Res() response: Response): Promise<void> {
    const portal = await this.portal(request, response, { form: true });
    if (!portal) return;
    const started = await this.connectionTests.start(portal.caller, portal.link.connectionId, {
      continueUrl: `${this.config.publicUrl}/setup/test`,
    });
    response.redirect(303, started.url);
  }

  @Get('roles')
  async rolesStep(@Req() request: Request, @Res() response: Response, @Query('flash') flash?: string): Promise<void> {
    const portal = await this.portal(request, response);
    if (portal) await this.renderRoles(portal, request, response, { flash });
  }

  @Post('roles/mappings')
  async addMapping(@Req() request: Request, @Res() response: Response): Promise<void> {
    const portal = await this.portal(request, response, { form: true });
    if (!portal) return;
    const typed = { idpGroupId: bodyText(request, 'idpGroupId'), name: bodyText(request, 'name'), role: bodyText(request, 'role') };
    await this.attempt(
      response,
      async () => {
        const input = await validateInput(CreateRoleMappingInput, {
          ...typed,
          name: typed.name || undefined,
          connectionId: portal.link.connectionId,
        });
        await this.roleMappings.create(portal.caller, input);
        this.backTo(response, 'roles', `Members of ${typed.idpGroupId} now get the role ${typed.role}.`);
      },
      (error) => this.renderRoles(portal, request, response, { error, typed }),
    );
  }

  @Post('roles/mappings/:id/delete')
  async deleteMapping(@Param('id') id: string, @Req() request: Request, @Res() response: Response): Promise<void> {
    const portal = await this.portal(request, response, { form: true });
    if (!portal) return;
    await this.attempt(
      response,
      async () => {
        await this.roleMappings.delete(portal.caller, id);
        this.backTo(response, 'roles', 'Mapping removed.');
      },
      (error) => this.renderRoles(portal, request, response, { error }),
    );
  }

  @Post('roles/defaults')
  async saveDefaults(@Req() request: Request, @Res() response: Response): Promise<void> {
    const portal = await this.portal(request, response, { form: true });
    if (!portal) return;
    await this.attempt(
      response,
      async () => {
        const input = await validateInput(UpdateOrganizationInput, {
          defaultRole: bodyText(request, 'defaultRole'),
          jitProvisioning: bodyText(request, 'jitProvisioning') === 'on',
        });
        await this.organizations.update(portal.caller, portal.organization.id, input);
        this.backTo(response, 'roles', 'Saved.');
      },
      (error) => this.renderRoles(portal, request, response, { error }),
    );
  }

  @Get('require-sso')
  async requireSsoStep(@Req() request: Request, @Res() response: Response, @Query('flash') flash?: string): Promise<void> {
    const portal = await this.portal(request, response);
    if (portal) await this.renderRequireSso(portal, request, response, { flash });
  }

  @Post('require-sso')
  async saveRequireSso(@Req() request: Request, @Res() response: Response): Promise<void> {
    const portal = await this.portal(request, response, { form: true });
    if (!portal) return;
    const ssoRequired = bodyText(request, 'ssoRequired') === 'on';
    await this.attempt(
      response,
      async () => {
        await this.organizations.update(portal.caller, portal.organization.id, { ssoRequired });
        this.backTo(response, 'require-sso', ssoRequired ? 'SSO is now required.' : 'SSO is no longer required.');
      },
      (error) => this.renderRequireSso(portal, request, response, { error }),
    );
  }

  private async renderDomains(
    portal: SetupPortal,
    request: Request,
    response: Response,
    state: { error?: FormError; typed?: string; flash?: string },
  ): Promise<void> {
    const progress = await this.progress.of(portal);
    const page = domainsPage(progress.frame('domains', state.flash), this.csrf(request), progress.domains, state.error, state.typed);
    this.sendPage(response, state.error ? 400 : 200, page);
  }

  private async renderIdentityProvider(
    portal: SetupPortal,
    request: Request,
    response: Response,
    state: { type?: string; values?: IdpFormValues; error?: FormError; flash?: string },
  ): Promise<void> {
    const progress = await this.progress.of(portal);
    const existing = progress.connection;
    const chosen = existing?.type ?? (Object.values(ConnectionType) as string[]).find((type) => type === state.type) ?? null;
    const values: IdpFormValues = state.values ?? {
      entraTenant: existing?.entraTenant,
      oktaDomain: existing?.oktaDomain,
      authorizationServerId: existing?.authorizationServerId,
      discoveryUrl: existing?.discoveryUrl,
      clientId: existing?.clientId,
      clientSecretExpiresAt: existing?.clientSecretExpiresAt?.toISOString().slice(0, 10),
    };
    const connectionRef = { id: portal.link.connectionId };
    const page = identityProviderPage(progress.frame('identity-provider', state.flash), this.csrf(request), {
      type: chosen as ConnectionType | null,
      existing: existing
        ? { type: existing.type, clientSecretHint: existing.clientSecretHint, verified: existing.verifiedAt !== null }
        : null,
      values,
      guide: {
        redirectUri: this.connections.redirectUri(connectionRef),
        initiateLoginUri: this.connections.initiateLoginUri(connectionRef),
      },
      error: state.error,
    });
    this.sendPage(response, state.error ? 400 : 200, page);
  }

  private async renderRoles(
    portal: SetupPortal,
    request: Request,
    response: Response,
    state: { error?: FormError; typed?: Record<string, string>; flash?: string },
  ): Promise<void> {
    const progress = await this.progress.of(portal);
    const organization = await this.organizations.get(portal.caller, portal.organization.id);
    const page = rolesPage(progress.frame('roles', state.flash), this.csrf(request), {
      hasConnection: progress.connection !== null,
      groupIdMeaning: IDP_GUIDES[progress.connection?.type ?? ConnectionType.GENERIC_OIDC].groupIdMeaning,
      mappings: progress.mappings,
      defaultRole: organization.defaultRole,
      jitProvisioning: organization.jitProvisioning,
      error: state.error,
      typed: state.typed,
    });
    this.sendPage(response, state.error ? 400 : 200, page);
  }

  private async renderRequireSso(
    portal: SetupPortal,
    request: Request,
    response: Response,
    state: { error?: FormError; flash?: string },
  ): Promise<void> {
    const progress = await this.progress.of(portal);
    const page = requireSsoPage(progress.frame('require-sso', state.flash), this.csrf(request), {
      ssoRequired: progress.organization.ssoRequired,
      connectionVerified: progress.connection?.verifiedAt != null,
      error: state.error,
    });
    this.sendPage(response, state.error ? 400 : 200, page);
  }

  /**
   * The portal the request's cookie opens, or null once a page saying why was sent. A form
   * must also carry the session's CSRF token: the cookie alone proves nothing of a cross-site post.
   */
  private async portal(request: Request, response: Response, options: { form?: boolean } = {}): Promise<SetupPortal | null> {
    const token = sessionTokenOf(request);
    const portal = await this.setupLinks.portalOf(token);
    if (!portal) {
      this.refuse(response, 'no_session');
      return null;
    }
    if ('refusal' in portal) {
      this.refuse(response, portal.refusal);
      return null;
    }
    if (options.form && !this.setupLinks.csrfTokenMatches(token!, (request.body as Record<string, unknown> | undefined)?._csrf)) {
      this.sendPage(
        response,
        403,
        plainPortalPage(
          'This form has expired',
          `<p>The form was not sent from this setup session. <a href="/setup">Go back to the setup</a> and try again.</p>`,
        ),
      );
      return null;
    }
    return portal;
  }

  /** Runs a change; bad input is shown next to its field, other refusals as a message on the page. */
  private async attempt(response: Response, change: () => Promise<void>, showError: (error: FormError) => Promise<void>): Promise<void> {
    try {
      await change();
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      const formError =
        error instanceof BadInputError
          ? { field: error.field, message: `${humanField(error.field)} ${error.message.slice(error.field.length + 2)}` }
          : { field: '', message: error.message };
      if (!response.headersSent) await showError(formError);
    }
  }

  private backTo(response: Response, step: SetupStep, flash: string): void {
    response.redirect(303, `${stepPath(step)}?flash=${encodeURIComponent(flash)}`);
  }

  private refuse(response: Response, refusal: SetupLinkRefusal | 'no_session'): void {
    const { status, title, text } = REFUSALS[refusal];
    response.clearCookie(SETUP_COOKIE, { ...this.cookieOptions(), maxAge: undefined });
    this.sendPage(response, status, plainPortalPage(title, `<p>${escapeHtml(text)}</p>`));
  }

  private sendPage(response: Response, status: number, html: string): void {
    response.status(status).setHeader('Cache-Control', 'no-store');
    response.type('html').send(html);
  }

  private csrf(request: Request): string {
    return this.setupLinks.csrfTokenOf(sessionTokenOf(request) ?? '');
  }

  private cookieOptions(): CookieOptions {
    // Strict: the portal is never entered from another site with its cookie.
    return { httpOnly: true, sameSite: 'strict', secure: this.config.publicUrl.startsWith('https:'), path: '/setup' };
  }
}

function sessionTokenOf(request: Request): string | undefined {
  const value = (request.cookies as Record<string, unknown> | undefined)?.[SETUP_COOKIE];
  return typeof value === 'string' ? value : undefined;
}

function bodyText(request: Request, name: string): string {
  const value = (request.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value.trim() : '';
}

function idpValuesOf(request: Request): IdpFormValues {
  return {
    entraTenant: bodyText(request, 'entraTenant') || null,
    oktaDomain: bodyText(request, 'oktaDomain') || null,
    authorizationServerId: bodyText(request, 'authorizationServerId') || null,
    discoveryUrl: bodyText(request, 'discoveryUrl') || null,
    clientId: bodyText(request, 'clientId') || null,
    clientSecretExpiresAt: bodyText(request, 'clientSecretExpiresAt') || null,
  };
}

function presetFieldsOf(values: IdpFormValues): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const name of ['entraTenant', 'oktaDomain', 'authorizationServerId', 'discoveryUrl'] as const) {
    if (values[name]) fields[name] = values[name];
  }
  return fields;
}

/** A date field's day, as the end of that day in UTC: the secret still works on the day it names. */
export function expiryDateOf(value: string | null | undefined): Date | undefined {
  if (!value) return undefined;
  const date = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T23:59:59Z`) : new Date(NaN);
  if (Number.isNaN(date.getTime())) throw new BadInputError('clientSecretExpiresAt', 'must be a date such as 2027-06-30');
  return date;
}

const FIELD_NAMES: Record<string, string> = {
  domain: 'The domain',
  clientId: 'The client ID',
  clientSecret: 'The client secret',
  clientSecretExpiresAt: 'The expiry date',
  entraTenant: 'The tenant',
  oktaDomain: 'The Okta domain',
  authorizationServerId: 'The authorization server ID',
  discoveryUrl: 'The discovery URL',
  idpGroupId: 'The group',
  name: 'The name',
  role: 'The role',
  defaultRole: 'The default role',
  ssoRequired: 'Requiring SSO',
  state: 'The connection',
};

function humanField(field: string): string {
  return FIELD_NAMES[field] ?? field;
}
