import { Inject, Injectable, Logger } from '@nestjs/common';
import * as oidc from 'openid-client';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { Connection, ConnectionState } from '../connections/entities/connection.entity';
import { ConnectionsService } from '../connections/connections.service';
import { PRESETS } from '../connections/presets';
import { DomainsService } from '../domains/domains.service';
import { emailDomain } from '../domains/domain-rules';
import { LoginStateService, type StartedLogin } from './login-state.service';
import { OidcClientFactory } from './oidc-client.factory';
import { SsoErrorCode, SsoLoginError } from './sso-login.error';
import { safeReturnTarget } from './return-target';
import { SessionsService, type IssuedSession } from './sessions.service';
import { ProvisioningService, type SsoProfile } from '../provisioning/provisioning.service';
import { isUuid } from '../common/uuid.pipe';
import { pkceChallenge } from './pkce';

export interface InitiateRequest {
  loginHint?: string;
  returnTo?: string;
  iss?: string;
}

const CLOCK_TOLERANCE_SECONDS = 60;

/** The IdP's claims this service relies on. */
type Claims = Record<string, unknown>;

@Injectable()
export class SsoService {
  private readonly logger = new Logger(SsoService.name);

  constructor(
    private readonly connections: ConnectionsService,
    private readonly domains: DomainsService,
    private readonly loginStates: LoginStateService,
    private readonly clients: OidcClientFactory,
    private readonly sessions: SessionsService,
    private readonly provisioning: ProvisioningService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The IdP's authorization URL for a new login, and the login's browser-binding cookie. */
  async initiate(connectionId: string, request: InitiateRequest): Promise<{ url: URL; login: StartedLogin }> {
    const connection = await this.activeConnection(connectionId);
    if (request.iss !== undefined && request.iss !== connection.issuer) {
      throw new SsoLoginError(SsoErrorCode.INVALID_REQUEST, 'iss is not the issuer of this connection');
    }
    const returnTo = safeReturnTarget(request.returnTo, this.config.allowedReturnOrigins, this.config.appUrl);
    const login = await this.loginStates.start(connection.id, returnTo);
    const configuration = this.clients.configurationFor(connection);
    const parameters: Record<string, string> = {
      redirect_uri: this.connections.redirectUri(connection),
      scope: connection.scopes.join(' '),
      state: login.state,
      nonce: login.nonce,
      code_challenge: pkceChallenge(login.codeVerifier),
      code_challenge_method: 'S256',
    };
    if (request.loginHint) parameters.login_hint = request.loginHint.slice(0, 320);
    return { url: oidc.buildAuthorizationUrl(configuration, parameters), login };
  }

  /** Finishes a login: every check, then the user, the membership and a session. */
  /** `onIdpWait` learns how long the token request to the IdP took (the service's own time excludes it). */
  async callback(
    connectionId: string,
    currentUrl: URL,
    binding: string | undefined,
    onIdpWait?: (ms: number) => void,
  ): Promise<{ session: IssuedSession; returnTo: string }> {
    const connection = await this.activeConnection(connectionId);
    const idpError = currentUrl.searchParams.get('error');
    const login = await this.loginStates.consume(connection.id, currentUrl.searchParams.get('state') ?? undefined, binding);
    if (idpError) {
      throw new SsoLoginError(SsoErrorCode.IDP_ERROR, `the IdP answered ${idpError.slice(0, 100)}: ${(currentUrl.searchParams.get('error_description') ?? '').slice(0, 300)}`);
    }
    // RFC 9207: the response names its issuer, so a response from another IdP (mix-up) is refused.
    const responseIssuer = currentUrl.searchParams.get('iss');
    if (responseIssuer !== null ? responseIssuer !== connection.issuer : connection.issuerResponseParameter) {
      throw new SsoLoginError(SsoErrorCode.IDP_ERROR, `the authorization response's iss is ${responseIssuer ?? 'missing'}, expected ${connection.issuer}`);
    }
    const configuration = this.clients.configurationFor(connection);
    const callbackUrl = new URL(this.connections.redirectUri(connection));
    callbackUrl.search = currentUrl.search;
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    const exchangeStarted = performance.now();
    try {
      tokens = await oidc.authorizationCodeGrant(configuration, callbackUrl, {
        pkceCodeVerifier: login.codeVerifier,
        expectedState: currentUrl.searchParams.get('state')!,
        expectedNonce: login.nonce,
        idTokenExpected: true,
      });
    } catch (error) {
      throw classifyGrantFailure(error);
    } finally {
      onIdpWait?.(performance.now() - exchangeStarted);
    }
    try {
      await this.clients.verifyIdTokenSignature(connection, tokens.id_token!);
    } catch (error) {
      throw new SsoLoginError(SsoErrorCode.INVALID_ID_TOKEN, `signature check failed: ${error instanceof Error ? error.message : error}`, { cause: error });
    }
    const claims = await this.claimsOf(connection, configuration, tokens);
    const profile = this.profileFrom(connection, claims);
    if (!(await this.domains.emailBelongsTo(connection.organizationId, profile.email))) {
      throw new SsoLoginError(SsoErrorCode.DOMAIN_NOT_ALLOWED, `${emailDomain(profile.email)} is not a domain of the organization`);
    }
    const member = await this.provisioning.provisionSsoLogin(connection, profile);
    const session = await this.sessions.issue(member, `sso:${connection.id}`);
    await this.connections.recordLogin(connection.id);
    return { session, returnTo: login.returnTo };
  }

  /** The initiate URI of the active connection for the email's domain. */
  async discover(email: string | undefined): Promise<string> {
    const owner = email ? await this.domains.ownerOfEmail(email.slice(0, 320)) : null;
    const connection = owner ? await this.connections.activeConnectionOf(owner.organizationId) : null;
    if (!connection) throw new SsoLoginError(SsoErrorCode.NO_SSO_FOR_DOMAIN, 'no active connection for the domain');
    return this.connections.initiateLoginUri(connection);
  }

  private async activeConnection(connectionId: string): Promise<Connection> {
    const connection = isUuid(connectionId) ? await this.connections.findForLogin(connectionId) : null;
    if (!connection) throw new SsoLoginError(SsoErrorCode.UNKNOWN_CONNECTION, `no connection ${connectionId.slice(0, 64)}`);
    if (connection.state !== ConnectionState.ACTIVE) throw new SsoLoginError(SsoErrorCode.CONNECTION_INACTIVE, 'the connection is inactive');
    return connection;
  }

  private async claimsOf(
    connection: Connection,
    configuration: oidc.Configuration,
    tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>,
  ): Promise<Claims> {
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
        for (const [name, value] of Object.entries(userinfo)) if (claims[name] === undefined) claims[name] = value;
      } catch (error) {
        this.logger.warn(`userinfo of connection ${connection.id} failed: ${error instanceof Error ? error.message : error}`);
      }
    }
    return claims;
  }

  private profileFrom(connection: Connection, claims: Claims): SsoProfile {
    if (connection.type === 'ENTRA_ID') {
      const tenantInIssuer = /\/([0-9a-f-]{36})\/v2\.0$/i.exec(connection.issuer)?.[1];
      if (tenantInIssuer && String(claims.tid ?? '').toLowerCase() !== tenantInIssuer.toLowerCase()) {
        throw new SsoLoginError(SsoErrorCode.INVALID_ID_TOKEN, 'the token’s tid is not the connection’s tenant');
      }
    }
    const emailClaim = [ 'email', ...PRESETS[connection.type].emailFallbackClaims ].map((name) => claims[name]).find((value) => typeof value === 'string' && value.includes('@'));
    if (typeof emailClaim !== 'string') throw new SsoLoginError(SsoErrorCode.EMAIL_MISSING, 'no email claim');
    if (claims.email_verified === false) throw new SsoLoginError(SsoErrorCode.EMAIL_NOT_VERIFIED, 'email_verified is false');
    const groups = claims[connection.groupsClaim];
    return {
      subject: String(claims.sub),
      email: emailClaim.trim().toLowerCase(),
      firstName: typeof claims.given_name === 'string' ? claims.given_name.slice(0, 200) : null,
      lastName: typeof claims.family_name === 'string' ? claims.family_name.slice(0, 200) : null,
      groups: Array.isArray(groups) ? groups.filter((group): group is string => typeof group === 'string') : [],
    };
  }
}

/** openid-client's failures, sorted into the contract's codes. */
function classifyGrantFailure(error: unknown): SsoLoginError {
  const message = error instanceof Error ? error.message : String(error);
  // The token endpoint refused, answered nonsense, or did not answer in time.
  if (error instanceof oidc.ResponseBodyError || (error as { code?: string }).code === 'OAUTH_RESPONSE_IS_NOT_CONFORM' || /fetch failed|timed? ?out|abort/i.test(message)) {
    return new SsoLoginError(SsoErrorCode.TOKEN_EXCHANGE_FAILED, message, { cause: error });
  }
  if (error instanceof oidc.AuthorizationResponseError) return new SsoLoginError(SsoErrorCode.IDP_ERROR, message, { cause: error });
  // Everything else openid-client checks after the exchange is the ID token's claims.
  const cause = (error as { cause?: unknown }).cause;
  return new SsoLoginError(SsoErrorCode.INVALID_ID_TOKEN, cause instanceof Error ? `${message} (${cause.message})` : message, { cause: error });
}
