import { Inject, Injectable, Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { hkdfSync } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { escapeHtml, htmlPage } from '../common/html';
import { SessionsService, type SessionClaims } from '../auth/sessions.service';
import { SsoService } from '../auth/sso.service';
import type { Connection } from '../connections/entities/connection.entity';
import { selectorOf, type OrganizationSelector } from './organization-selector';
import { SESSION_COOKIE, sessionCookieOptions } from '../auth/session-cookie';
import { ApplicationsService } from './applications.service';
import { OidcModelsRepository, ServiceSessionEndedError } from './oidc-models.repository';
import { sessionEndedErrorAt } from './session-ended';
import { OidcAccountsRepository, type AccountClaims } from './oidc-accounts.repository';
import { OidcSigningKeysService } from './oidc-signing-keys.service';
import { INTERACTION_PATH, OIDC_MOUNT_PATH } from './oidc-paths';
import { OidcRateLimits, tokenRefusal } from './oidc-rate-limits';
import { carriesClientAttestation, CLIENT_ATTESTATION_REFUSAL } from './client-attestation';
import {
  loadOidcProvider,
  type GrantTypeHandler,
  type OidcProviderModule,
  type ProviderContext,
  type ProviderInstance,
} from './oidc-provider.types';

/** Lifetimes in seconds; each one set, so oidc-provider does not log its "define the expiration" notices. */
const TTL = {
  AccessToken: 600,
  AuthorizationCode: 60,
  IdToken: 600,
  Interaction: 600,
  Grant: 8 * 3600,
  Session: 8 * 3600,
};
/** The claims an application may ask for, by scope; `openid` alone gives sub, org and roles. */
const CLAIMS = { openid: ['sub', 'org', 'roles'], email: ['email', 'email_verified'], profile: ['given_name', 'family_name'] };

/** oidc-provider's account, with the organization this service signed it in for. */
interface ProviderAccount {
  accountId: string;
  organizationId: string;
  /** At the authorization endpoint: the browser's service session, which the grant is tied to. */
  serviceSessionId?: string;
  claims: () => Promise<AccountClaims>;
}

interface LoadedProvider {
  fingerprint: string;
  provider: ProviderInstance;
  callback: (req: Request, res: Response) => Promise<void>;
}

/**
 * The service as an OpenID Provider for the product's own applications: panva's oidc-provider,
 * its storage in PostgreSQL (OidcModelsRepository), its clients the registered applications, its
 * accounts the service's members. Logging in is the service's own SSO login (see
 * InteractionController); the provider's session lives only as long as the service's session.
 */
@Injectable()
export class OidcProviderService {
  private readonly logger = new Logger(OidcProviderService.name);
  private loaded?: Promise<LoadedProvider>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly models: OidcModelsRepository,
    private readonly accounts: OidcAccountsRepository,
    private readonly applications: ApplicationsService,
    private readonly signingKeys: OidcSigningKeysService,
    private readonly sessions: SessionsService,
    private readonly sso: SsoService,
    private readonly rateLimits: OidcRateLimits,
  ) {}

  get issuer(): string {
    return `${this.config.publicUrl}${OIDC_MOUNT_PATH}`;
  }

  /**
   * Express middleware for everything under /oidc: the rate limits first, then the provider, or
   * for the interaction pages Nest (InteractionController).
   */
  handler(): (req: Request, res: Response, next: NextFunction) => void {
    const serve = async (req: Request, res: Response): Promise<'nest' | 'answered'> => {
      if (!(await this.rateLimits.admit(req, res))) return 'answered';
      if (carriesClientAttestation(req.method, req.path, req.headers)) {
        res.status(400).setHeader('Cache-Control', 'no-store');
        res.json(CLIENT_ATTESTATION_REFUSAL);
        return 'answered';
      }
      if (req.url.startsWith(INTERACTION_PATH)) return 'nest';
      await (await this.current()).callback(req, res);
      return 'answered';
    };
    return (req, res, next) => {
      serve(req, res).then((to) => {
        if (to === 'nest') next();
      }, next);
    };
  }

  /** The provider, rebuilt when its signing keys rotate (all its state is in the database). */
  async current(): Promise<LoadedProvider> {
    const keys = await this.signingKeys.current();
    const loaded = this.loaded;
    if (loaded) {
      const existing = await loaded.catch(() => undefined);
      if (existing?.fingerprint === keys.fingerprint) return existing;
    }
    const building = this.build(keys.keys, keys.fingerprint);
    this.loaded = building;
    building.catch(() => {
      if (this.loaded === building) this.loaded = undefined;
    });
    return building;
  }

  async provider(): Promise<ProviderInstance> {
    return (await this.current()).provider;
  }

  /** The live service session the request's cookie stands for, if any. */
  async liveSession(cookieValue: string | undefined): Promise<SessionClaims | undefined> {
    return cookieValue ? this.sessions.resolve(cookieValue) : undefined;
  }

  /** The connection whose IdP signs in a person for this selector; null when there is none. */
  async connectionFor(selector: Exclude<OrganizationSelector, { kind: 'none' }>): Promise<Connection | null> {
    switch (selector.kind) {
      case 'connection':
        return this.sso.connectionById(selector.connectionId);
      case 'organization':
        return this.sso.activeConnectionOf(selector.organizationId);
      case 'email':
        return this.sso.connectionForEmail(selector.email);
      default: {
        const unhandled: never = selector;
        throw new Error(`unknown selector ${JSON.stringify(unhandled)}`);
      }
    }
  }

  /**
   * True when the signed-in account cannot answer this authorization request: the service session
   * ended (so the account was not found), or the request names another organization than the account's.
   */
  private async needsLogin(ctx: ProviderContext): Promise<boolean> {
    const oidc = ctx.oidc;
    if (!oidc?.session?.accountId) return false;
    const account = oidc.account as (ProviderAccount & { accountId: string }) | undefined;
    if (!account) return true;
    const selector = selectorOf(oidc.params ?? {});
    if (selector.kind === 'none') return false;
    return (await this.connectionFor(selector))?.organizationId !== account.organizationId;
  }

  private async build(jwks: object[], fingerprint: string): Promise<LoadedProvider> {
    const library = await loadOidcProvider();
    const { Provider, interactionPolicy } = library;
    const { Check } = interactionPolicy;
    const policy = interactionPolicy.base();
    // The provider's session is only as good as the service's: once that ended (logout, member
    // removed, expiry), the next authorization request signs in again.
    policy
      .get('login')
      .checks.add(
        new Check(
          'service_session_ended_or_other_organization',
          'the service session has ended or is of another organization',
          async (ctx) => ((await this.needsLogin(ctx)) ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT),
        ),
        0,
      );
    const countTokenRequest = (ctx: ProviderContext) => this.countTokenRequest(library, ctx);
    /**
     * oidc-provider registers each grant type's handler (the authorization code's among them)
     * through registerGrantType as it is built; each is wrapped here to count the request against
     * its application's limit first. The token endpoint calls the handler only once the client
     * has authenticated, so a request naming an app's client id without its credentials (a wrong
     * secret, none, an attestation header) never spends the app's budget.
     */
    class CountingProvider extends Provider {
      override registerGrantType(name: string, handler: GrantTypeHandler, ...rest: unknown[]): void {
        super.registerGrantType(
          name,
          async (ctx) => {
            await countTokenRequest(ctx);
            await handler(ctx);
          },
          ...rest,
        );
      }
    }
    const provider = new CountingProvider(this.issuer, {
      adapter: (kind: string) => this.adapterFor(kind, library),
      jwks: { keys: jwks },
      // Shared by every instance (derived from SECRETS_KEY); the previous keys still verify.
      cookies: { keys: [this.config.secretsKey, ...this.config.previousSecretsKeys].map(cookieKeyOf) },
      findAccount: (ctx: ProviderContext, sub: string, token?: unknown) => this.findAccount(ctx, sub, token),
      claims: CLAIMS,
      scopes: ['openid', 'email', 'profile'],
      // The scopes' claims go into the ID token too, as most apps expect.
      conformIdTokenClaims: false,
      responseTypes: ['code'],
      // The organization an app may name for the login (see organization-selector.ts).
      extraParams: ['organization', 'connection'],
      pkce: { required: () => true },
      clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
      clientDefaults: {
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
        id_token_signed_response_alg: 'RS256',
      },
      // First-party apps: no consent screen; the grant covers what the app asked for.
      loadExistingGrant: (ctx: ProviderContext) => this.grantEverythingRequested(library, ctx),
      features: {
        devInteractions: { enabled: false },
        revocation: { enabled: true },
        userinfo: { enabled: true },
        rpInitiatedLogout: {
          enabled: true,
          logoutSource: (ctx: ProviderContext, form: string) => renderLogoutPage(ctx, form),
          postLogoutSuccessSource: (ctx: ProviderContext) => renderLoggedOutPage(ctx),
        },
      },
      interactions: {
        policy,
        url: (_ctx: unknown, interaction: { uid: string }) => `${OIDC_MOUNT_PATH}${INTERACTION_PATH}${interaction.uid}`,
      },
      renderError: (ctx: ProviderContext, out: Record<string, string>) => renderErrorPage(ctx, out),
      ttl: TTL,
    });
    provider.proxy = this.config.trustProxy !== false;
    provider.use((ctx, next) => this.endServiceSessionOnLogout(ctx, next));
    provider.on('server_error', (_ctx, error) =>
      this.logger.error(`OpenID Provider error: ${error instanceof Error ? error.stack : String(error)}`),
    );
    const handle = provider.callback();
    return { fingerprint, provider, callback: (req, res) => handle(req, res) };
  }

  /**
   * oidc-provider's account: the member's current claims. At the authorization endpoint (no token)
   * the browser's service session must still be live and be this account's.
   */
  private async findAccount(ctx: ProviderContext, sub: string, token: unknown) {
    let session: SessionClaims | undefined;
    if (token === undefined) {
      session = await this.liveSession(ctx.cookies.get(SESSION_COOKIE, { signed: false }));
      if (!session || session.userId !== sub) return undefined;
    }
    const claims = await this.accounts.claimsOf(sub, session?.organizationId);
    if (!claims) return undefined;
    const account: ProviderAccount = {
      accountId: sub,
      organizationId: claims.org,
      serviceSessionId: session?.sessionId,
      claims: async () => claims,
    };
    return account;
  }

  /** A new grant for each authorization, tied to the service session it is given through. */
  private async grantEverythingRequested(library: OidcProviderModule, ctx: ProviderContext) {
    const oidc = ctx.oidc!;
    const account = oidc.account as ProviderAccount;
    // findAccount answers the authorization endpoint only with the browser's live session.
    const serviceSessionId = account.serviceSessionId;
    if (!serviceSessionId) throw new Error('an authorization without the service session it is given through');
    const grant = new oidc.provider.Grant({ accountId: account.accountId, clientId: oidc.client!.clientId });
    grant.addOIDCScope([...oidc.requestParamOIDCScopes].join(' '));
    if (oidc.requestParamClaims.size) grant.addOIDCClaims([...oidc.requestParamClaims]);
    await grant.save();
    await this.whileSessionLasts(library, ctx, () => this.models.bindGrantToSession(grant.jti, serviceSessionId));
    return grant;
  }

  /**
   * RP-initiated logout that ends the provider's session ends the service's session too, when it
   * is the same person's. (oidc-provider also ends its session this way when another person signs
   * in within the same browser; the service session is then already the new person's and stays.)
   */
  private async endServiceSessionOnLogout(ctx: ProviderContext, next: () => Promise<void>): Promise<void> {
    await next();
    if (ctx.oidc?.route !== 'end_session_confirm' || !ctx.oidc.params?.logout) return;
    const token = ctx.cookies.get(SESSION_COOKIE, { signed: false });
    const session = token ? await this.sessions.claimsOf(token) : undefined;
    if (!session || session.userId !== ctx.oidc.session?.accountId) return;
    await this.sessions.revoke(session.sessionId);
    const { expires: _expires, ...options } = sessionCookieOptions(this.config);
    ctx.cookies.set(SESSION_COOKIE, null, { ...options, signed: false, overwrite: true });
  }

  /**
   * Counts a token request of an authenticated application against its rate limit, before the
   * grant is looked at. Past the limit: 429 with the OAuth error.
   */
  private async countTokenRequest(library: OidcProviderModule, ctx: ProviderContext): Promise<void> {
    const retryAfterSeconds = await this.rateLimits.countTokenRequest(ctx.oidc!.client!.clientId);
    if (retryAfterSeconds === undefined) return;
    ctx.set('Retry-After', String(retryAfterSeconds));
    const refusal = tokenRefusal(retryAfterSeconds, 'too many token requests for this client');
    throw Object.assign(new library.errors.OIDCProviderError(429, refusal.error), { error_description: refusal.error_description });
  }

  /**
   * A write of the provider's storage; when the service session ended meanwhile, the answer
   * oidc-provider gives for a session or grant that is gone (see sessionEndedErrorAt).
   */
  private async whileSessionLasts(
    library: OidcProviderModule,
    ctx: ProviderContext | undefined,
    write: () => Promise<void>,
  ): Promise<void> {
    try {
      await write();
    } catch (error) {
      if (!(error instanceof ServiceSessionEndedError)) throw error;
      if (sessionEndedErrorAt(ctx?.oidc?.route) === 'invalid_grant') throw new library.errors.InvalidGrant(error.message);
      throw new library.errors.LoginRequired('the sign-in session has ended; sign in again');
    }
  }

  private adapterFor(kind: string, library: OidcProviderModule) {
    const models = this.models;
    const applications = this.applications;
    return {
      upsert: (id: string, payload: Record<string, unknown>, expiresIn?: number) =>
        this.whileSessionLasts(library, library.Provider.ctx, () => models.upsert(kind, id, payload, expiresIn)),
      find: async (id: string) => {
        if (kind !== 'Client') return models.find(kind, id);
        const client = await applications.clientOf(id);
        return (
          client && {
            client_id: client.clientId,
            client_secret: client.clientSecret,
            client_name: client.name,
            redirect_uris: client.redirectUris,
            post_logout_redirect_uris: client.postLogoutRedirectUris,
            grant_types: ['authorization_code'],
            response_types: ['code'],
            // oidc-provider accepts client_secret_post as well from a client registered for _basic.
            token_endpoint_auth_method: 'client_secret_basic',
          }
        );
      },
      findByUid: (uid: string) => models.findByUid(kind, uid),
      findByUserCode: (userCode: string) => models.findByUserCode(kind, userCode),
      consume: (id: string) => models.consume(kind, id),
      destroy: (id: string) => models.destroy(kind, id),
      revokeByGrantId: (grantId: string) => models.revokeByGrantId(grantId),
    };
  }
}

function cookieKeyOf(secretsKey: Buffer): string {
  return Buffer.from(hkdfSync('sha256', secretsKey, Buffer.alloc(0), 'oidc-provider cookie signing', 32)).toString('base64url');
}

function renderErrorPage(ctx: ProviderContext, out: Record<string, string>): void {
  ctx.type = 'html';
  ctx.body = htmlPage(
    'Sign-in failed',
    `<h1>The application’s sign-in request cannot be completed</h1>
<p>${escapeHtml(out.error_description ?? '')}</p>
<p>Error code: <code>${escapeHtml(out.error ?? 'server_error')}</code></p>`,
  );
}

function renderLogoutPage(ctx: ProviderContext, form: string): void {
  ctx.type = 'html';
  ctx.body = htmlPage(
    'Sign out',
    `<h1>Sign out?</h1>
<p>You will be signed out of ${escapeHtml(ctx.oidc?.client?.clientName ?? 'the application')} and of single sign-on.</p>
${form}
<p><button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Sign out</button>
<button type="submit" form="op.logoutForm">Stay signed in</button></p>`,
  );
}

function renderLoggedOutPage(ctx: ProviderContext): void {
  ctx.type = 'html';
  ctx.body = htmlPage('Signed out', '<h1>You are signed out</h1>\n<p>You may close this window.</p>');
}
