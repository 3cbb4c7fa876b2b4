import * as oidc from 'openid-client';

export interface PendingLogin {
  url: string;
  state: string;
  nonce: string;
  verifier: string;
}

/**
 * The product's app as a relying party of the service's OpenID Provider, written only against
 * the discovery document with openid-client 6 (no browser: the test drives the redirects).
 */
export class RelyingParty {
  private constructor(
    readonly config: oidc.Configuration,
    readonly redirectUri: string,
  ) {}

  /**
   * `tokenHost` sends the token, userinfo and revocation requests to another instance of the
   * service (same issuer, same database), as a load balancer might.
   */
  static async discover(
    issuer: string,
    client: { clientId: string; clientSecret: string; redirectUri: string },
    options: { auth?: 'basic' | 'post'; tokenHost?: string } = {},
  ): Promise<RelyingParty> {
    const auth = options.auth === 'post' ? oidc.ClientSecretPost(client.clientSecret) : oidc.ClientSecretBasic(client.clientSecret);
    // The ID token's signature is checked against the provider's JWKS too (openid-client skips it by default).
    const config = await oidc.discovery(new URL(issuer), client.clientId, client.clientSecret, auth, {
      execute: [oidc.allowInsecureRequests, oidc.enableNonRepudiationChecks],
    });
    if (options.tokenHost) {
      const from = new URL(issuer).origin;
      const to = options.tokenHost;
      config[oidc.customFetch] = (url, init) => fetch(url.startsWith(from) ? to + url.slice(from.length) : url, init);
    }
    return new RelyingParty(config, client.redirectUri);
  }

  async start(extra: Record<string, string> = {}): Promise<PendingLogin> {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(this.config, {
      redirect_uri: this.redirectUri,
      scope: 'openid email profile',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      ...extra,
    });
    return { url: url.href, state, nonce, verifier };
  }

  /** The code exchange and every ID token check openid-client makes (signature included). */
  finish(callbackUrl: string, login: PendingLogin) {
    return oidc.authorizationCodeGrant(this.config, new URL(callbackUrl), {
      pkceCodeVerifier: login.verifier,
      expectedState: login.state,
      expectedNonce: login.nonce,
      idTokenExpected: true,
    });
  }

  userinfo(accessToken: string, sub: string) {
    return oidc.fetchUserInfo(this.config, accessToken, sub);
  }

  endSessionUrl(idToken: string, postLogoutRedirectUri: string): string {
    return oidc.buildEndSessionUrl(this.config, { id_token_hint: idToken, post_logout_redirect_uri: postLogoutRedirectUri }).href;
  }
}
