import { Inject, Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import * as oidc from 'openid-client';
import { createRemoteJWKSet, customFetch as joseCustomFetch, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { Connection } from '../connections/entities/connection.entity';
import { ConnectionsService } from '../connections/connections.service';
import { IdpHttpClient, isLoopbackHost } from '../connections/idp-http';
import { APP_CONFIG, AppConfig } from '../config/app-config';

/**
 * openid-client configurations per connection, built from the stored endpoints (no discovery
 * on the login path) and cached by (id, version): an update bumps the version, so no instance
 * ever logs in with stale settings.
 */
const JWKS_REFETCH_COOLDOWN_MS = 5_000;

@Injectable()
export class OidcClientFactory {
  private readonly cache = new LRUCache<string, oidc.Configuration>({ max: 5000 });
  private readonly keySets = new LRUCache<string, JWTVerifyGetKey>({ max: 5000 });

  constructor(
    private readonly connections: ConnectionsService,
    private readonly http: IdpHttpClient,
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
        id_token_signing_alg_values_supported: ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'],
      },
      connection.clientId,
      undefined,
      oidc.ClientSecretPost(this.connections.clientSecretOf(connection)),
    );
    configuration[oidc.customFetch] = this.http.fetch as unknown as oidc.CustomFetch;
    configuration.timeout = Math.ceil(this.config.idpTimeoutMs / 1000);
    if (!this.config.production && [connection.issuer, connection.tokenUrl, connection.jwksUrl].every((url) => isLoopbackHost(new URL(url).hostname))) {
      oidc.allowInsecureRequests(configuration);
    }
    this.cache.set(cacheKey, configuration);
    return configuration;
  }

  /**
   * Checks the ID token's signature against the IdP's JWKS. openid-client would do it too, but
   * refetches its JWKS for an unknown `kid` only once its copy is 60 s old, which turns an IdP's
   * routine key rotation into failed logins; this set refetches after a 5 s cooldown instead.
   */
  async verifyIdTokenSignature(connection: Connection, idToken: string): Promise<void> {
    await jwtVerify(idToken, this.jwksFor(connection), {
      algorithms: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'],
      issuer: connection.issuer,
      audience: connection.clientId,
    });
  }

  private jwksFor(connection: Connection): JWTVerifyGetKey {
    const cacheKey = `${connection.id}:${connection.version}:${connection.jwksUrl}`;
    let keySet = this.keySets.get(cacheKey);
    if (!keySet) {
      keySet = createRemoteJWKSet(new URL(connection.jwksUrl), {
        cooldownDuration: JWKS_REFETCH_COOLDOWN_MS,
        timeoutDuration: this.config.idpTimeoutMs,
        [joseCustomFetch]: this.http.fetch as unknown as typeof fetch,
      });
      this.keySets.set(cacheKey, keySet);
    }
    return keySet;
  }
}
