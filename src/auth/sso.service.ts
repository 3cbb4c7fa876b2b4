import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import * as oidc from 'openid-client';
import { decodeProtectedHeader, errors as joseErrors } from 'jose';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { Connection, ConnectionState } from '../connections/entities/connection.entity';
import { ConnectionsService } from '../connections/connections.service';
import { PRESETS } from '../connections/presets';
import { GroupsSourceService } from '../connections/groups-source.service';
import { IdpRequestError, transportReason } from '../connections/idp-http';
import { DomainsService } from '../domains/domains.service';
import { LoginStateService, type ConsumedLogin, type StartedLogin } from './login-state.service';
import { OidcClientFactory } from './oidc-client.factory';
import { advise, refusalOf, SsoErrorCode, SsoLoginError, type SsoDiagnosis } from './sso-login.error';
import {
  acceptedIdTokenAlgorithms,
  AlgorithmRefusal,
  algorithmRefusal,
  effectiveTokenEndpointAuthMethod,
  usesClientSecret,
} from '../connections/token-security';
import { normalizeEmail } from '../common/email';
import { LoginRefusalCode, LoginRefusedError } from '../provisioning/login-refused.error';
import { safeReturnTarget } from './return-target';
import { SessionsService, type IssuedSession } from './sessions.service';
import { ProvisioningService, type SsoProfile } from '../provisioning/provisioning.service';
import { isUuid } from '../common/uuid.pipe';
import { LoginActivityService, type LoginAttemptFacts } from '../login-activity/login-activity.service';
import { ConnectionTestsService, type ConnectionTestReport } from '../connection-tests/connection-tests.service';
import type { ConnectionTest } from '../connection-tests/entities/connection-test.entity';
import { pkceChallenge } from './pkce';
import { RateLimitsService, type RateLimit } from '../rate-limits/rate-limits.service';
import { APPLICATION_TARGETS, type ApplicationTargets } from './application-targets';
import { asDomainError } from '../common/app-exception.filter';
import { DatabaseUnavailableError } from '../common/errors';

export interface InitiateRequest {
  loginHint?: string;
  returnTo?: string;
  iss?: string;
}

/** Who asked: the service's own reference for the request, and the client IP rate limits count. */
export interface RequestContext {
  correlationId: string;
  clientIp: string;
}

/** A login another part of the service starts for its own purpose, e.g. the OpenID Provider's interaction. */
export interface ContinuedLoginRequest {
  loginHint?: string;
  /** An absolute URL of this service that the callback goes on to, after success or refusal alike. */
  continuation: string;
}

const CLOCK_TOLERANCE_SECONDS = 60;
/** The longest `sub` and email the service stores (its identity and user columns). */
const MAX_SUBJECT_LENGTH = 255;
const MAX_EMAIL_LENGTH = 320;

/** The IdP's claims this service relies on. */
type Claims = Record<string, unknown>;
type Tokens = Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;

export type CallbackOutcome = { kind: 'session'; session: IssuedSession; returnTo: string } | { kind: 'test'; test: ConnectionTest };

/** Who the IdP says signed in, and the reasons a login would be refused. */
interface LoginAssessment {
  /** The email is null only when a problem says so. */
  profile: Omit<SsoProfile, 'email'> & { email: string | null };
  problems: SsoLoginError[];
}

@Injectable()
export class SsoService {
  private readonly logger = new Logger(SsoService.name);
  private readonly earlyRefusalsPerIp: RateLimit;

  constructor(
    private readonly connections: ConnectionsService,
    private readonly domains: DomainsService,
    private readonly loginStates: LoginStateService,
    private readonly clients: OidcClientFactory,
    private readonly sessions: SessionsService,
    private readonly provisioning: ProvisioningService,
    private readonly groupsSource: GroupsSourceService,
    private readonly loginActivity: LoginActivityService,
    private readonly connectionTests: ConnectionTestsService,
    rateLimits: RateLimitsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() @Inject(APPLICATION_TARGETS) private readonly applicationTargets?: ApplicationTargets,
  ) {
    this.earlyRefusalsPerIp = rateLimits.limit({ name: 'sso_refusals_ip', points: config.ssoRefusalsPerMinute, durationSeconds: 60 });
  }

  /** The IdP's authorization URL for a new login, and the login's browser-binding cookie. */
  async initiate(connectionId: string, request: InitiateRequest, context: RequestContext): Promise<{ url: URL; login: StartedLogin }> {
    return this.beforeIdp(context, async () => {
      const connection = await this.knownConnection(connectionId);
      return this.counted(connection, async () => {
        assertActive(connection);
        if (request.iss !== undefined && request.iss !== connection.issuer) {
          throw new SsoLoginError(SsoErrorCode.INVALID_REQUEST, 'iss is not the issuer of this connection');
        }
        const returnTo = (await this.applicationLoginFor(request.returnTo)) ?? safeReturnTarget(request.returnTo, this.config);
        const login = await this.loginStates.start(connection.id, { returnTo });
        return { url: this.authorizationUrl(connection, login, loginHintParameter(request.loginHint)), login };
      });
    });
  }

  /** An IdP-initiated login meant for one of the service's applications goes on to that app's own login. */
  private async applicationLoginFor(target: string | undefined): Promise<string | undefined> {
    if (!target || target.length > 2048 || !this.applicationTargets) return undefined;
    return this.applicationTargets.initiateLoginFor(target);
  }

  /**
   * A login whose callback continues at `continuation` (a URL of this service, never a return
   * target): the same checks, provisioning and session as any login.
   */
  async initiateContinued(
    connectionId: string,
    request: ContinuedLoginRequest,
    context: RequestContext,
  ): Promise<{ url: URL; login: StartedLogin }> {
    if (!request.continuation.startsWith(`${this.config.publicUrl}/`)) throw new Error('a continuation must be a URL of this service');
    return this.beforeIdp(context, async () => {
      const connection = await this.knownConnection(connectionId);
      return this.counted(connection, async () => {
        assertActive(connection);
        const login = await this.loginStates.start(connection.id, { returnTo: this.config.appUrl, continuation: request.continuation });
        return { url: this.authorizationUrl(connection, login, loginHintParameter(request.loginHint)), login };
      });
    });
  }

  /**
   * Opens an admin's one-time test link: a login like any other, bound to the test so that
   * the callback reports instead of signing in. An inactive connection may be tested, so that
   * it can be proven before it is switched on.
   */
  async startTest(token: string): Promise<{ url: URL; login: StartedLogin }> {
    const test = await this.connectionTests.claim(token);
    if (!test) throw new SsoLoginError(SsoErrorCode.INVALID_STATE, 'unknown, used or expired test sign-in link');
    const connection = await this.knownConnection(test.connectionId);
    const login = await this.loginStates.start(connection.id, { returnTo: this.config.appUrl, connectionTestId: test.id });
    // The admin signs in afresh (perhaps as a test user), not with whatever IdP session they have.
    return { url: this.authorizationUrl(connection, login, { prompt: 'login' }), login };
  }

  /**
   * Finishes a login: every check, then the user, the membership and a session; or a test's report.
   * `onIdpWait` learns how long the token request took (the service's own time excludes it).
   */
  async callback(
    connectionId: string,
    currentUrl: URL,
    binding: string | undefined,
    context: RequestContext,
    onIdpWait?: (ms: number) => void,
  ): Promise<CallbackOutcome> {
    const { connection, login } = await this.beforeIdp(context, async () => {
      const known = await this.knownConnection(connectionId);
      const consumed = await this.counted(known, () =>
        this.loginStates.consume(known.id, currentUrl.searchParams.get('state') ?? undefined, binding),
      );
      return { connection: known, login: consumed };
    });
    if (login.connectionTestId !== null)
      return { kind: 'test', test: await this.finishTest(connection, login, login.connectionTestId, currentUrl) };
    const facts: LoginAttemptFacts = { subject: null, email: null };
    const correlationId = context.correlationId;
    try {
      return await this.recorded(connection, correlationId, facts, async () => {
        assertActive(connection);
        const { profile, problems } = await this.assess(connection, login, currentUrl, onIdpWait);
        Object.assign(facts, { subject: profile.subject, email: profile.email });
        if (problems.length || profile.email === null) throw problems[0];
        const member = await this.asSsoError(connection, profile.email, () =>
          this.provisioning.provisionSsoLogin(connection, { ...profile, email: profile.email! }),
        );
        const session = await this.sessions.issue(member, `sso:${connection.id}`);
        await this.connections.recordLogin(connection);
        return { kind: 'session' as const, session, returnTo: login.continuation ?? login.returnTo };
      });
    } catch (error) {
      // A refusal of a continued login is reported where it continues (e.g. back to the app).
      if (error instanceof SsoLoginError && login.continuation) error.continuation = login.continuation;
      throw error;
    }
  }

  /** The initiate URI of the active connection for the email's domain. */
  async discover(email: string | undefined): Promise<string> {
    const connection = await this.connectionForEmail(email);
    if (!connection) throw new SsoLoginError(SsoErrorCode.NO_SSO_FOR_DOMAIN, 'no active connection for the domain');
    return this.connections.initiateLoginUri(connection);
  }

  /** The active connection of the organization that owns the email's domain, if any. */
  async connectionForEmail(email: string | undefined): Promise<Connection | null> {
    const owner = email ? await this.domains.ownerOfEmail(email.slice(0, 320)) : null;
    return owner ? this.connections.activeConnectionOf(owner.organizationId) : null;
  }

  /** A connection by id, whatever its state; null for an unknown id. */
  connectionById(connectionId: string): Promise<Connection | null> {
    return isUuid(connectionId) ? this.connections.findForLogin(connectionId) : Promise.resolve(null);
  }

  /** The organization's active connection, if it has one (the oldest, when several). */
  activeConnectionOf(organizationId: string): Promise<Connection | null> {
    return isUuid(organizationId) ? this.connections.activeConnectionOf(organizationId) : Promise.resolve(null);
  }

  private authorizationUrl(connection: Connection, login: StartedLogin, extra: Record<string, string>): URL {
    return oidc.buildAuthorizationUrl(this.clients.configurationFor(connection), {
      redirect_uri: this.connections.redirectUri(connection),
      scope: connection.scopes.join(' '),
      state: login.state,
      nonce: login.nonce,
      code_challenge: pkceChallenge(login.codeVerifier),
      code_challenge_method: 'S256',
      ...extra,
    });
  }

  /** The same checks as a login, every problem reported rather than the first thrown, and nothing created. */
  private async finishTest(connection: Connection, login: ConsumedLogin, testId: string, currentUrl: URL): Promise<ConnectionTest> {
    const empty = { subject: null, email: null, firstName: null, lastName: null, groups: [], roles: [] };
    const problem = (error: SsoLoginError) => ({
      code: error.code as string,
      message: error.detail,
      blocksLogin: true,
      ...(error.hint ? { advice: error.hint } : {}),
    });
    let report: ConnectionTestReport;
    try {
      const { profile, problems } = await this.assess(connection, login, currentUrl);
      const { groupsUnavailable, emailVerified: _emailVerified, ...seen } = profile;
      let roles: string[] = [];
      if (seen.email !== null) {
        try {
          roles = await this.asSsoError(connection, seen.email, () =>
            this.provisioning.previewSsoLogin(connection, { ...profile, email: seen.email! }),
          );
        } catch (error) {
          // The login decision's refusal (domain, unverified email, not invited...), as a login would get it.
          if (!(error instanceof SsoLoginError)) throw error;
          problems.push(error);
        }
      }
      report = { ...seen, issuer: connection.issuer, roles, problems: problems.map(problem) };
      if (groupsUnavailable) {
        report.problems.push({
          code: 'groups_overage',
          message: `the IdP sent the groups by reference and they could not be fetched (${groupsUnavailable}); logins get the fallback role`,
          blocksLogin: false,
        });
      }
    } catch (error) {
      if (!(error instanceof SsoLoginError)) throw error;
      report = { ...empty, issuer: connection.issuer, problems: [problem(error)] };
    }
    return this.connectionTests.complete(testId, report, connection.version);
  }

  private async knownConnection(connectionId: string): Promise<Connection> {
    const connection = isUuid(connectionId) ? await this.connections.findForLogin(connectionId) : null;
    if (!connection) throw new SsoLoginError(SsoErrorCode.UNKNOWN_CONNECTION, `no connection ${connectionId.slice(0, 64)}`);
    return connection;
  }

  /**
   * The part of a login before any IdP round trip (the connection, the iss, the state and its
   * browser): anyone can fail it without signing in anywhere, so each refusal there counts
   * against the client IP, and past the limit the answer is a 429 instead of the error page.
   */
  private async beforeIdp<T>(context: RequestContext, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      // An outage is nobody's refusal: it is answered as one (503), not counted against the client.
      if (!(asDomainError(error, this.config) instanceof DatabaseUnavailableError)) await this.earlyRefusalsPerIp.consume(context.clientIp);
      throw error;
    }
  }

  /** A refusal before any IdP round trip is counted in the connection's per-minute row, not kept as an attempt. */
  private async counted<T>(connection: Connection, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      // An outage is not a refusal, and failing to count one must not change the answer.
      if (!(asDomainError(error, this.config) instanceof DatabaseUnavailableError)) {
        await this.loginActivity.countRefusal(connection, refusalOf(error).code).catch(() => undefined);
      }
      throw error;
    }
  }

  /**
   * Runs a step of provisioning; the login decision's refusal becomes the callback's error code.
   * A domain refusal is named precisely (pending, unverified by a re-check, removed), so that the
   * login activity says why.
   */
  private async asSsoError<T>(connection: Connection, email: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof LoginRefusedError)) throw error;
      const detail =
        error.code === LoginRefusalCode.DOMAIN_NOT_ALLOWED
          ? await this.domains.whyEmailNotOwned(connection.organizationId, email)
          : error.detail;
      throw new SsoLoginError(ssoCodeOf(error.code), detail, { cause: error });
    }
  }

  /** Runs the part of a login after the IdP answered and writes its outcome, whatever it is, to the connection's login activity. */
  private async recorded<T>(connection: Connection, correlationId: string, facts: LoginAttemptFacts, work: () => Promise<T>): Promise<T> {
    let result: T;
    try {
      result = await work();
    } catch (error) {
      // With the database unavailable there is nowhere to record it (and no point waiting again).
      if (!(asDomainError(error, this.config) instanceof DatabaseUnavailableError))
        await this.loginActivity.record(connection, correlationId, facts, refusalOf(error));
      throw error;
    }
    this.loginActivity.recordSuccessAfterResponse(connection, correlationId, facts);
    return result;
  }

  /**
   * Every check of an authorization response and its tokens (iss parameter, code exchange
   * with PKCE, signature, iss, aud, nonce, iat, Entra tenant) and what the claims say about
   * who signed in. A broken response throws; a missing email comes back as a problem, so that a
   * test sign-in can report it. Whether the email is trusted and its domain allowed is the login
   * decision's (provisioning/login-decision.ts).
   */
  private async assess(
    connection: Connection,
    login: ConsumedLogin,
    currentUrl: URL,
    onIdpWait?: (ms: number) => void,
  ): Promise<LoginAssessment> {
    const idpError = currentUrl.searchParams.get('error');
    if (idpError) {
      throw new SsoLoginError(
        SsoErrorCode.IDP_ERROR,
        `the IdP answered ${idpError.slice(0, 100)}: ${(currentUrl.searchParams.get('error_description') ?? '').slice(0, 300)}`,
      );
    }
    // RFC 9207: the response names its issuer, so a response from another IdP (mix-up) is refused.
    const responseIssuer = currentUrl.searchParams.get('iss');
    if (responseIssuer !== null ? responseIssuer !== connection.issuer : connection.issuerResponseParameter) {
      throw new SsoLoginError(
        SsoErrorCode.IDP_ERROR,
        `the authorization response's iss is ${responseIssuer ?? 'missing'}, expected ${connection.issuer}`,
      );
    }
    const configuration = this.clients.configurationFor(connection);
    const callbackUrl = new URL(this.connections.redirectUri(connection));
    callbackUrl.search = currentUrl.search;
    let tokens: Tokens;
    const exchangeStarted = performance.now();
    try {
      tokens = await oidc.authorizationCodeGrant(configuration, callbackUrl, {
        pkceCodeVerifier: login.codeVerifier,
        expectedState: currentUrl.searchParams.get('state')!,
        expectedNonce: login.nonce,
        idTokenExpected: true,
      });
    } catch (error) {
      throw classifyGrantFailure(error, connection);
    } finally {
      onIdpWait?.(performance.now() - exchangeStarted);
    }
    try {
      await this.clients.verifyIdTokenSignature(connection, tokens.id_token!);
    } catch (error) {
      if (error instanceof joseErrors.JOSEAlgNotAllowed) throw idTokenAlgorithmRefused(connection, algorithmOf(tokens.id_token!), error);
      throw new SsoLoginError(SsoErrorCode.INVALID_ID_TOKEN, `signature check failed: ${error instanceof Error ? error.message : error}`, {
        cause: error,
      });
    }
    const claims = await this.claimsOf(connection, configuration, tokens);
    const foreignTenant = PRESETS[connection.type].foreignTenant(connection.issuer, claims);
    if (foreignTenant) throw new SsoLoginError(SsoErrorCode.INVALID_ID_TOKEN, foreignTenant);
    // The identity is keyed by (connection, sub): a sub too long to store identifies no one here.
    const subject = String(claims.sub);
    if (subject.length > MAX_SUBJECT_LENGTH)
      throw new SsoLoginError(SsoErrorCode.INVALID_ID_TOKEN, `the sub claim is longer than ${MAX_SUBJECT_LENGTH} characters`);
    const problems: SsoLoginError[] = [];
    const emailClaim = ['email', ...PRESETS[connection.type].emailFallbackClaims]
      .map((name) => claims[name])
      .find((value) => typeof value === 'string' && value.includes('@'));
    const email = typeof emailClaim === 'string' && emailClaim.trim().length <= MAX_EMAIL_LENGTH ? normalizeEmail(emailClaim) : null;
    if (email === null)
      problems.push(
        new SsoLoginError(
          SsoErrorCode.EMAIL_MISSING,
          typeof emailClaim === 'string' ? `the email claim is longer than ${MAX_EMAIL_LENGTH} characters` : 'no email claim',
        ),
      );
    const groups = await this.groupsSource.groupsOf(connection, claims, tokens.access_token);
    return {
      profile: {
        subject,
        email,
        emailVerified: claims.email_verified,
        firstName: typeof claims.given_name === 'string' ? claims.given_name.slice(0, 200) : null,
        lastName: typeof claims.family_name === 'string' ? claims.family_name.slice(0, 200) : null,
        groups: groups.groups,
        groupsUnavailable: groups.unavailable,
      },
      problems,
    };
  }

  private async claimsOf(connection: Connection, configuration: oidc.Configuration, tokens: Tokens): Promise<Claims> {
    const idClaims = tokens.claims();
    if (!idClaims) throw new SsoLoginError(SsoErrorCode.INVALID_ID_TOKEN, 'no ID token in the token response');
    // openid-client leaves a future iat alone; a token from the future is a forged or broken one.
    if (typeof idClaims.iat !== 'number' || idClaims.iat > Date.now() / 1000 + CLOCK_TOLERANCE_SECONDS) {
      throw new SsoLoginError(SsoErrorCode.INVALID_ID_TOKEN, 'the ID token was issued in the future');
    }
    const claims: Claims = { ...idClaims };
    const lacksProfile = claims.email === undefined || claims.given_name === undefined || claims.family_name === undefined;
    if (lacksProfile && connection.userinfoUrl) {
      try {
        const userinfo = await oidc.fetchUserInfo(configuration, tokens.access_token, idClaims.sub);
        // Userinfo only fills gaps, and never with claim references (`_claim_names`): an overage
        // is believed only from the signed ID token.
        for (const [name, value] of Object.entries(userinfo))
          if (claims[name] === undefined && !name.startsWith('_claim_')) claims[name] = value;
      } catch (error) {
        this.logger.warn(`userinfo of connection ${connection.id} failed: ${error instanceof Error ? error.message : error}`);
      }
    }
    return claims;
  }
}

function algorithmOf(jwt: string): string {
  const alg = decodeProtectedHeader(jwt).alg;
  return typeof alg === 'string' ? alg.slice(0, 20) : 'an unnamed algorithm';
}

function loginHintParameter(loginHint: string | undefined): Record<string, string> {
  return loginHint ? { login_hint: loginHint.slice(0, 320) } : {};
}

function ssoCodeOf(code: LoginRefusalCode): SsoErrorCode {
  switch (code) {
    case LoginRefusalCode.DOMAIN_NOT_ALLOWED:
      return SsoErrorCode.DOMAIN_NOT_ALLOWED;
    case LoginRefusalCode.EMAIL_NOT_VERIFIED:
      return SsoErrorCode.EMAIL_NOT_VERIFIED;
    case LoginRefusalCode.USER_NOT_INVITED:
      return SsoErrorCode.USER_NOT_INVITED;
    case LoginRefusalCode.EMAIL_IN_USE:
      return SsoErrorCode.EMAIL_IN_USE;
    default: {
      const unhandled: never = code;
      throw new Error(`unmapped login refusal ${String(unhandled)}`);
    }
  }
}

function assertActive(connection: Connection): void {
  if (connection.state !== ConnectionState.ACTIVE) throw new SsoLoginError(SsoErrorCode.CONNECTION_INACTIVE, 'the connection is inactive');
}

/** The OAuth error code of a refused token request, in its body or in a WWW-Authenticate challenge. */
function oauthErrorOf(error: unknown): string | undefined {
  if (error instanceof oidc.WWWAuthenticateChallengeError) return error.cause[0]?.parameters.error;
  const code = (error as { error?: unknown }).error;
  return typeof code === 'string' ? code : undefined;
}

/** openid-client's failures, sorted into the contract's codes. */
function classifyGrantFailure(error: unknown, connection: Connection): SsoLoginError {
  const message = error instanceof Error ? error.message : String(error);
  const oauthError = oauthErrorOf(error);
  const expiresAt = connection.clientSecretExpiresAt;
  const method = effectiveTokenEndpointAuthMethod(connection);
  if (oauthError === 'invalid_client' && usesClientSecret(method) && expiresAt && expiresAt.getTime() <= Date.now()) {
    const diagnosis: SsoDiagnosis = { kind: 'client_secret_expired', expiredOn: expiresAt.toISOString().slice(0, 10) };
    return new SsoLoginError(SsoErrorCode.TOKEN_EXCHANGE_FAILED, `the IdP refused the client (invalid_client): ${advise(diagnosis)}`, {
      cause: error,
      diagnosis,
    });
  }
  if (oauthError === 'invalid_client' || oauthError === 'unauthorized_client') {
    const diagnosis: SsoDiagnosis = {
      kind: 'client_authentication_refused',
      oauthError,
      used: method,
      announced: connection.tokenEndpointAuthMethodsSupported,
      overridden: connection.tokenEndpointAuthMethod !== null,
    };
    return new SsoLoginError(
      SsoErrorCode.TOKEN_EXCHANGE_FAILED,
      `the IdP refused the client (${oauthError}, authenticated with ${method}): ${message}`,
      { cause: error, diagnosis },
    );
  }
  // The token endpoint could not be reached in time, refused, or answered nonsense.
  const cause = (error as { cause?: unknown }).cause;
  const transport = (error instanceof IdpRequestError ? error : cause instanceof IdpRequestError ? cause : undefined)?.transport;
  if (transport)
    return new SsoLoginError(SsoErrorCode.TOKEN_EXCHANGE_FAILED, `the token request failed: ${transportReason(transport)}`, {
      cause: error,
      transport,
    });
  if (
    error instanceof IdpRequestError ||
    cause instanceof IdpRequestError ||
    error instanceof oidc.ResponseBodyError ||
    error instanceof oidc.WWWAuthenticateChallengeError ||
    (error as { code?: string }).code === 'OAUTH_RESPONSE_IS_NOT_CONFORM' ||
    /timed? ?out|abort/i.test(message)
  ) {
    return new SsoLoginError(SsoErrorCode.TOKEN_EXCHANGE_FAILED, cause instanceof Error ? `${message} (${cause.message})` : message, {
      cause: error,
    });
  }
  if (error instanceof oidc.AuthorizationResponseError) return new SsoLoginError(SsoErrorCode.IDP_ERROR, message, { cause: error });
  // Everything else openid-client checks after the exchange is the ID token: its alg header first, then its claims.
  const refusedAlg = refusedAlgorithmOf(error);
  if (refusedAlg !== undefined) return idTokenAlgorithmRefused(connection, refusedAlg, error);
  return new SsoLoginError(SsoErrorCode.INVALID_ID_TOKEN, cause instanceof Error ? `${message} (${cause.message})` : message, {
    cause: error,
  });
}

/** The `alg` openid-client refused an ID token for (its error, or that error's cause, says so), if that was the failure. */
function refusedAlgorithmOf(error: unknown): string | undefined {
  for (let current = error as { message?: unknown; cause?: unknown } | undefined; current; current = current.cause as typeof current) {
    if (typeof current.message === 'string' && current.message.includes('unexpected JWT "alg" header parameter')) {
      const alg = (current.cause as { header?: { alg?: unknown } } | undefined)?.header?.alg;
      return typeof alg === 'string' ? alg.slice(0, 20) : 'an unnamed algorithm';
    }
  }
  return undefined;
}

/** An ID token signed with an algorithm the connection does not accept, and what to change for it. */
function idTokenAlgorithmRefused(connection: Connection, alg: string, error: unknown): SsoLoginError {
  const refusal = algorithmRefusal(alg, connection) ?? AlgorithmRefusal.NOT_ANNOUNCED;
  const diagnosis: SsoDiagnosis = {
    kind: 'id_token_algorithm_refused',
    alg,
    refusal,
    announced: connection.idTokenSigningAlgValuesSupported,
    accepted: acceptedIdTokenAlgorithms(connection),
  };
  return new SsoLoginError(SsoErrorCode.INVALID_ID_TOKEN, `the ID token is signed with ${alg} (${refusal})`, { cause: error, diagnosis });
}
