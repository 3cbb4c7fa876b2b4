import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { BadInputError } from '../common/errors';
import { IdpHttpClient, isLoopbackHost } from './idp-http';
import type { IdpLocation } from './presets';
import { announcedList, type IdpAnnouncements } from './token-security';

/** The endpoints a connection stores once its IdP's configuration has been checked. */
export interface IdpEndpoints extends IdpAnnouncements {
  issuer: string;
  discoveryUrl: string | null;
  authorizationUrl: string;
  tokenUrl: string;
  jwksUrl: string;
  userinfoUrl: string | null;
  issuerResponseParameter: boolean;
}

@Injectable()
export class IdpMetadataService {
  constructor(
    private readonly http: IdpHttpClient,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'production'>,
  ) {}

  /** https, or plain http to a loopback host outside production (the contract's rule). */
  assertIdpUrl(raw: string, field: string): URL {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new BadInputError(field, 'must be an absolute https URL');
    }
    const loopbackHttp = url.protocol === 'http:' && !this.config.production && isLoopbackHost(url.hostname);
    if (url.protocol !== 'https:' && !loopbackHttp) {
      throw new BadInputError(
        field,
        this.config.production ? 'must be an https URL' : 'must be an https URL (http only for loopback hosts)',
      );
    }
    if (url.username || url.password) throw new BadInputError(field, 'must not carry credentials');
    return url;
  }

  /** Fetches and checks the IdP's configuration; refuses one the service could not log in with. */
  async resolve(location: IdpLocation, field: string): Promise<IdpEndpoints> {
    if (location.kind === 'manual') {
      this.assertIdpUrl(location.issuer, 'issuer');
      this.assertIdpUrl(location.authorizationUrl, 'authorizationUrl');
      this.assertIdpUrl(location.tokenUrl, 'tokenUrl');
      this.assertIdpUrl(location.jwksUrl, 'jwksUrl');
      const jwks = await this.fetchJson(location.jwksUrl, 'jwksUrl');
      if (!Array.isArray((jwks as { keys?: unknown }).keys) || (jwks as { keys: unknown[] }).keys.length === 0) {
        throw new BadInputError('jwksUrl', 'does not serve a JWKS with keys');
      }
      return {
        ...location,
        discoveryUrl: null,
        userinfoUrl: null,
        issuerResponseParameter: false,
        tokenEndpointAuthMethodsSupported: null,
        idTokenSigningAlgValuesSupported: null,
      };
    }
    this.assertIdpUrl(location.discoveryUrl, field);
    const document = (await this.fetchJson(location.discoveryUrl, field)) as Record<string, unknown>;
    const issuer = typeof document.issuer === 'string' ? document.issuer : '';
    if (!location.acceptsIssuer(issuer)) {
      // The declared value is not repeated: an error never echoes what the far end sent.
      throw new BadInputError(field, `the IdP declares another issuer than the expected ${location.expectedIssuer}`);
    }
    const responseTypes = document.response_types_supported;
    if (Array.isArray(responseTypes) && !responseTypes.includes('code')) {
      throw new BadInputError(field, 'the IdP does not support the authorization code flow');
    }
    const endpoint = (name: string, optional = false): string | null => {
      const value = document[name];
      if (typeof value !== 'string') {
        if (optional) return null;
        throw new BadInputError(field, `the IdP's configuration lacks ${name}`);
      }
      this.assertIdpUrl(value, field);
      return value;
    };
    return {
      issuer,
      discoveryUrl: location.discoveryUrl,
      authorizationUrl: endpoint('authorization_endpoint')!,
      tokenUrl: endpoint('token_endpoint')!,
      jwksUrl: endpoint('jwks_uri')!,
      userinfoUrl: endpoint('userinfo_endpoint', true),
      issuerResponseParameter: document.authorization_response_iss_parameter_supported === true,
      tokenEndpointAuthMethodsSupported: announcedList(document.token_endpoint_auth_methods_supported),
      idTokenSigningAlgValuesSupported: announcedList(document.id_token_signing_alg_values_supported),
    };
  }

  private async fetchJson(url: string, field: string): Promise<unknown> {
    let response: Response;
    try {
      response = await this.http.fetch(url, { headers: { accept: 'application/json' } });
    } catch (error) {
      // The same words whatever happened (refused, reset, timed out, not HTTP, not a public address).
      throw new BadInputError(field, 'could not be reached', { cause: error });
    }
    if (!response.ok) throw new BadInputError(field, `answered HTTP ${response.status}`);
    try {
      return await response.json();
    } catch (error) {
      throw new BadInputError(field, 'did not answer with JSON', { cause: error });
    }
  }
}
