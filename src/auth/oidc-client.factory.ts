import { Inject, Injectable } from '@nestjs/common';
import { growingLruCache } from '../common/growing-lru-cache';
import * as oidc from 'openid-client';
import { createRemoteJWKSet, customFetch as joseCustomFetch, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { Connection } from '../connections/entities/connection.entity';
import { ConnectionsService } from '../connections/connections.service';
import { IdpHttpClient, isLoopbackHost } from '../connections/idp-http';
import {
  acceptedIdTokenAlgorithms,
  effectiveTokenEndpointAuthMethod,
  isSymmetricAlgorithm,
  TokenEndpointAuthMethod,
} from '../connections/token-security';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ClientAssertionKeysService } from './client-assertion-keys.service';

type RemoteKeySet = ReturnType<typeof createRemoteJWKSet>;

/**
 * openid-client configurations per connection, built from the stored endpoints (no discovery
 * on the login path) and cached by (id, version): an update bumps the version, so no instance
 * ever logs in with stale settings.
 */
@Injectable()
export class OidcClientFactory {
  private readonly cache = growingLruCache<string, oidc.Configuration>(5000);
  private readonly keySets = growingLruCache<string, RemoteKeySet>(5000);

  constructor(
    private readonly connections: ConnectionsService,
    private readonly http: IdpHttpClient,
    private readonly assertionKeys: ClientAssertionKeysService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  configurationFor(connection: Connection): oidc.Configuration {
    const cacheKey = `${connection.id}:${connection.version}`;
    const cached = this.cache.get(cacheKey);
    if (cached) return cached;
    const configuration = new oidc.Configuration(
      {
        issuer: connection.issuer,
        authorization_endpoint: connection.authorizationUrl,
        token_endpoint: connection.tokenUrl,
        jwks_uri: connection.jwksUrl,
        ...(connection.userinfoUrl ? { userinfo_endpoint: connection.userinfoUrl } : {}),
        authorization_response_iss_parameter_supported: connection.issuerResponseParameter,
        // openid-client refuses any other `alg` header before the signature is checked below.
        id_token_signing_alg_values_supported: acceptedIdTokenAlgorithms(connection),
      },
      connection.clientId,
      undefined,
      this.clientAuthentication(connection),
    );
    configuration[oidc.customFetch] = this.http.fetch;
    configuration.timeout = Math.ceil(this.config.idpTimeoutMs / 1000);
    if (
      !this.config.production &&
      [connection.issuer, connection.tokenUrl, connection.jwksUrl].every((url) => isLoopbackHost(new URL(url).hostname))
    ) {
      oidc.allowInsecureRequests(configuration);
    }
    this.cache.set(cacheKey, configuration);
    return configuration;
  }

  /**
   * Checks the ID token's signature: HS256–512 with the client secret (only when the connection
   * accepts them), anything else against the IdP's JWKS. openid-client would check it too, but
   * refetches its JWKS for an unknown `kid` only once its copy is 60 s old, which turns an IdP's
   * routine key rotation into failed logins; this set refetches after JWKS_REFETCH_COOLDOWN_MS.
   */
  async verifyIdTokenSignature(connection: Connection, idToken: string): Promise<void> {
    const keySet = this.jwksFor(connection);
    const secret = this.connections.clientSecretOf(connection);
    const keyFor: JWTVerifyGetKey = (header, token) =>
      isSymmetricAlgorithm(header.alg ?? '') && secret !== null ? new TextEncoder().encode(secret) : keySet(header, token);
    const verify = () =>
      jwtVerify(idToken, keyFor, {
        algorithms: acceptedIdTokenAlgorithms(connection),
        issuer: connection.issuer,
        audience: connection.clientId,
      });
    await verifyRefetchingOnce(verify, keySet);
  }

  /** How token requests authenticate, by the method the connection and its IdP agree on. */
  private clientAuthentication(connection: Connection): oidc.ClientAuth {
    const method = effectiveTokenEndpointAuthMethod(connection);
    const secret = () => {
      const value = this.connections.clientSecretOf(connection);
      if (value === null) throw new Error(`connection ${connection.id} has no client secret for ${method}`);
      return value;
    };
    switch (method) {
      case TokenEndpointAuthMethod.CLIENT_SECRET_BASIC:
        // No client_id in the body: Okta refuses two sets of client credentials.
        return oidc.ClientSecretBasic(secret());
      case TokenEndpointAuthMethod.CLIENT_SECRET_POST:
        return oidc.ClientSecretPost(secret());
      case TokenEndpointAuthMethod.PRIVATE_KEY_JWT:
        // openid-client awaits the client authentication it is given, though its type says void.
        // eslint-disable-next-line @typescript-eslint/no-misused-promises
        return async (as, client, body, headers) => {
          const signingKey = await this.assertionKeys.signingKey();
          // OIDC Core §9: the audience is the token endpoint, what Okta and Entra ID insist on.
          const audienceIsTokenEndpoint = {
            [oidc.modifyAssertion]: (_header: unknown, payload: Record<string, unknown>) => void (payload.aud = connection.tokenUrl),
          };
          // eslint-disable-next-line @typescript-eslint/await-thenable -- PrivateKeyJwt's ClientAuth signs asynchronously
          await oidc.PrivateKeyJwt(signingKey, audienceIsTokenEndpoint)(as, client, body, headers);
        };
      default: {
        const unhandled: never = method;
        throw new Error(`unknown token endpoint auth method ${String(unhandled)}`);
      }
    }
  }

  private jwksFor(connection: Connection): RemoteKeySet {
    const cacheKey = `${connection.id}:${connection.version}:${connection.jwksUrl}`;
    let keySet = this.keySets.get(cacheKey);
    if (!keySet) {
      keySet = createRemoteJWKSet(new URL(connection.jwksUrl), {
        cooldownDuration: this.config.jwksRefetchCooldownMs,
        timeoutDuration: this.config.idpTimeoutMs,
        [joseCustomFetch]: this.http.fetch as unknown as typeof fetch,
      });
      this.keySets.set(cacheKey, keySet);
    }
    return keySet;
  }
}

/** The part of jose's remote JWKS that decides a refetch. */
export interface RefetchableKeySet {
  readonly coolingDown: boolean;
  reload(): Promise<void>;
}

/**
 * Verifies; when a key the set knows fails the signature (an IdP that replaced a key under the
 * same `kid`), refetches the JWKS once, unless it was fetched within the cooldown, and verifies
 * again. An unknown `kid` needs none of this: jose refetches for it by itself.
 */
export async function verifyRefetchingOnce<T>(verify: () => Promise<T>, keySet: RefetchableKeySet): Promise<T> {
  try {
    return await verify();
  } catch (error) {
    if (!(error instanceof joseErrors.JWSSignatureVerificationFailed) || keySet.coolingDown) throw error;
    await keySet.reload();
    return verify();
  }
}
