import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { decodeProtectedHeader } from 'jose';
import * as oidc from 'openid-client';
import { startRogueIdp, type IdTokenDefect, type RogueIdp } from './support/rogue-idp';
import { CookieJar, startTestIdp, type IdpAccount, type StartTestIdpOptions, type TestIdp } from './support/test-idp';

// Never contacted: the IdPs only redirect to it, and the tests read the redirect URL instead.
const REDIRECT_URI = 'http://127.0.0.1:9/auth/callback';
const CLIENT = { clientId: 'sso-backend', clientSecret: 'test-secret', redirectUris: [REDIRECT_URI] };

const alice: IdpAccount = {
  sub: 'alice',
  email: 'alice@example.com',
  email_verified: true,
  given_name: 'Alice',
  family_name: 'Liddell',
  groups: ['engineering', 'admins'],
  password: 'correct horse',
};

async function discover(issuer: string, clientAuth: oidc.ClientAuth = oidc.ClientSecretPost(CLIENT.clientSecret)) {
  return oidc.discovery(new URL(issuer), CLIENT.clientId, undefined, clientAuth, {
    execute: [oidc.allowInsecureRequests, oidc.enableNonRepudiationChecks],
  });
}

async function beginAuthorization(config: oidc.Configuration) {
  const pkceCodeVerifier = oidc.randomPKCECodeVerifier();
  const expectedState = oidc.randomState();
  const expectedNonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid email profile',
    code_challenge: await oidc.calculatePKCECodeChallenge(pkceCodeVerifier),
    code_challenge_method: 'S256',
    state: expectedState,
    nonce: expectedNonce,
  });
  return { url: url.href, checks: { pkceCodeVerifier, expectedState, expectedNonce, idTokenExpected: true } };
}

/** One complete authorization code flow as a relying party; `signIn` plays the user at the IdP. */
async function codeFlow(config: oidc.Configuration, signIn: (authorizationUrl: string) => Promise<string>) {
  const { url, checks } = await beginAuthorization(config);
  const callbackUrl = await signIn(url);
  const tokens = await oidc.authorizationCodeGrant(config, new URL(callbackUrl), checks);
  const claims = tokens.claims();
  if (!claims) throw new Error('no ID token');
  const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
  return { tokens, claims, userinfo, callbackUrl };
}

/** openid-client puts a generic message on its error and the precise reason in `cause`. */
async function failureOf(operation: Promise<unknown>): Promise<string> {
  try {
    await operation;
  } catch (error) {
    const { message, cause } = error as Error;
    return `${message}: ${cause instanceof Error ? cause.message : ''}`;
  }
  throw new Error('expected the operation to fail');
}

describe('test IdP (oidc-provider)', () => {
  const started: TestIdp[] = [];
  const start = async (options: StartTestIdpOptions) => {
    const idp = await startTestIdp(options);
    started.push(idp);
    idp.registerClient(CLIENT);
    return idp;
  };
  afterAll(() => Promise.all(started.map((idp) => idp.close())));

  it.each([
    { name: 'generic', options: {}, issuerPath: '' },
    { name: 'entra', options: { flavour: 'entra', tenantId: 'tenant-1' }, issuerPath: '/tenant-1/v2.0' },
    { name: 'okta org server', options: { flavour: 'okta' }, issuerPath: '' },
    {
      name: 'okta custom server',
      options: { flavour: 'okta', authorizationServerId: 'default' },
      issuerPath: '/oauth2/default',
    },
  ] as const)('runs a code flow with PKCE as $name', async ({ options, issuerPath }) => {
    const idp = await start({ ...options, accounts: [alice] });
    expect(idp.issuer).toBe(`${idp.origin}${issuerPath}`);
    const config = await discover(idp.issuer, oidc.ClientSecretBasic(CLIENT.clientSecret));
    expect(config.serverMetadata().authorization_endpoint).toBe(idp.authorizationUrl);

    const { claims, userinfo, callbackUrl } = await codeFlow(config, (url) => idp.signIn(url, 'alice'));

    expect(new URL(callbackUrl).searchParams.get('iss')).toBe(idp.issuer);
    const expected = {
      sub: 'alice',
      email: 'alice@example.com',
      email_verified: true,
      given_name: 'Alice',
      family_name: 'Liddell',
      groups: ['engineering', 'admins'],
    };
    expect(claims).toMatchObject({ ...expected, iss: idp.issuer, aud: CLIENT.clientId });
    expect(userinfo).toMatchObject(expected);
    if (options.flavour === 'entra') {
      expect(claims).toMatchObject({ tid: 'tenant-1', preferred_username: 'alice@example.com' });
      expect(claims.oid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    } else {
      expect(claims.tid).toBeUndefined();
    }
  });

  it('serves a login form that checks the password, as a browser would use it', async () => {
    const idp = await start({ title: 'Acme sign-in', accounts: [alice] });
    const config = await discover(idp.issuer);
    const { url, checks } = await beginAuthorization(config);
    const jar = new CookieJar();
    const request = async (target: string, init: RequestInit = {}) => {
      const cookie = jar.headerFor(new URL(target));
      const response = await fetch(target, {
        ...init,
        redirect: 'manual',
        headers: { ...(init.headers as Record<string, string>), ...(cookie ? { cookie } : {}) },
      });
      jar.store(response.headers.getSetCookie());
      return response;
    };

    const loginPageUrl = new URL((await request(url)).headers.get('location') ?? 'missing redirect to the login page', idp.origin).href;
    const page = await (await request(loginPageUrl)).text();
    expect(page).toContain('<title>Acme sign-in</title>');
    expect(page).toMatch(/<label for="username">[^<]+<\/label>\s*<input id="username"/);
    expect(page).toMatch(/<label for="password">[^<]+<\/label>\s*<input id="password"[^>]*type="password"/);
    expect(page).toContain('<button id="sign-in" type="submit">');

    const submit = (password: string) =>
      request(`${loginPageUrl}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ username: 'alice@example.com', password }),
      });
    const rejected = await submit('wrong');
    expect(rejected.status).toBe(401);
    expect(await rejected.text()).toContain('role="alert"');

    let next = await submit('correct horse');
    while (new URL(next.headers.get('location') ?? '', idp.origin).origin === idp.origin) {
      next = await request(new URL(next.headers.get('location') ?? '', idp.origin).href);
    }
    const tokens = await oidc.authorizationCodeGrant(config, new URL(next.headers.get('location') ?? ''), checks);
    expect(tokens.claims()?.sub).toBe('alice');
  });

  it('passes distributed claims through, as Entra does on groups overage', async () => {
    const idp = await start({ flavour: 'entra' });
    const overage = {
      _claim_names: { groups: 'src1' },
      _claim_sources: { src1: { endpoint: `${idp.origin}/v1.0/me/getMemberObjects` } },
    };
    idp.setAccount({ sub: 'bob', email: 'bob@example.com', extraClaims: overage });
    const { claims } = await codeFlow(await discover(idp.issuer), (url) => idp.signIn(url, 'bob'));
    expect(claims).toMatchObject(overage);
    expect(claims.groups).toBeUndefined();
  });

  it('refuses extra claims it was not told about at start, instead of dropping them', async () => {
    const idp = await start({ extraClaimNames: ['department'] });
    expect(() => idp.setAccount({ sub: 'carol', extraClaims: { department: 'R&D' } })).not.toThrow();
    expect(() => idp.setAccount({ sub: 'carol', extraClaims: { shoe_size: 42 } })).toThrow(/shoe_size/);
  });

  it('rotates its signing key', async () => {
    const idp = await start({ accounts: [alice] });
    const signingKid = async () => {
      // A fresh configuration has an empty JWKS cache (openid-client refetches an unknown kid only after 60 s).
      const { tokens } = await codeFlow(await discover(idp.issuer), (url) => idp.signIn(url, 'alice'));
      return decodeProtectedHeader(tokens.id_token ?? '').kid;
    };
    const publishedKids = async () => ((await (await fetch(idp.jwksUrl)).json()) as { keys: { kid: string }[] }).keys.map(({ kid }) => kid);

    const firstKid = await signingKid();
    await idp.rotateSigningKey({ keepPrevious: true });
    const secondKid = await signingKid();
    expect(secondKid).not.toBe(firstKid);
    expect(await publishedKids()).toEqual([secondKid, firstKid]);

    await idp.rotateSigningKey();
    const thirdKid = await signingKid();
    expect(await publishedKids()).toEqual([thirdKid]);
  });
});

describe('rogue IdP', () => {
  let idp: RogueIdp;
  let config: oidc.Configuration;
  const signIn = (url: string) => idp.signIn(url);

  beforeAll(async () => {
    idp = await startRogueIdp({ issuerPath: '/tenant-9/v2.0', clientId: CLIENT.clientId });
    config = await discover(idp.issuer);
  });
  afterAll(() => idp.close());
  const reset = (behaviour: Partial<RogueIdp['behaviour']> = {}) => {
    idp.behaviour = { defect: 'none', claims: { sub: 'mallory', email: 'mallory@example.com' }, ...behaviour };
  };

  it('completes a code flow when the ID token has no defect', async () => {
    reset({ groupsSource: { groups: ['g-1', 'g-2'] } });
    const { claims, userinfo, tokens } = await codeFlow(config, signIn);
    expect(claims).toMatchObject({ iss: idp.issuer, aud: CLIENT.clientId, sub: 'mallory', email: 'mallory@example.com' });
    expect(userinfo).toEqual({ sub: 'mallory', email: 'mallory@example.com' });

    const groupsSource = `${idp.origin}/v1.0/me/getMemberObjects`;
    expect((await fetch(groupsSource)).status).toBe(401);
    const groups = await fetch(groupsSource, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(await groups.json()).toEqual({ value: [{ id: 'g-1' }, { id: 'g-2' }] });
  });

  it.each<[IdTokenDefect, RegExp]>([
    ['alg-none', /unexpected JWT "alg" header parameter/],
    ['bad-signature', /JWT signature verification failed/],
    ['unknown-kid', /no applicable keys found/],
    ['wrong-iss', /unexpected JWT "iss" \(issuer\) claim value/],
    ['wrong-aud', /unexpected JWT "aud" \(audience\) claim value/],
    ['wrong-azp', /unexpected ID Token "azp" \(authorized party\) claim value/],
    ['expired', /unexpected JWT "exp" \(expiration time\) claim value/],
    ['nonce-mismatch', /unexpected ID Token "nonce" claim value/],
    ['nonce-missing', /"nonce" \(nonce\) claim missing/],
  ])('openid-client rejects an ID token with defect %s', async (defect, reason) => {
    reset({ defect });
    expect(await failureOf(codeFlow(config, signIn))).toMatch(reason);
  });

  it('issues an ID token from the future (openid-client does not check iat against the clock)', async () => {
    reset({ defect: 'issued-in-future' });
    const { claims } = await codeFlow(config, signIn);
    expect(claims.iat).toBeGreaterThan(Date.now() / 1000 + 3600);
  });

  it.each([
    ['omitIssParameter', /response parameter "iss" \(issuer\) missing/],
    ['wrongIssParameter', /unexpected "iss" \(issuer\) response parameter value/],
  ] as const)('breaks RFC 9207 with %s', async (toggle, reason) => {
    reset({ [toggle]: true });
    expect(await failureOf(codeFlow(config, signIn))).toMatch(reason);
  });

  it('redirects back with an authorization error', async () => {
    reset({ authorizeError: 'access_denied' });
    const { url, checks } = await beginAuthorization(config);
    const callbackUrl = new URL(await idp.signIn(url));
    expect(callbackUrl.searchParams.get('error')).toBe('access_denied');
    expect(callbackUrl.searchParams.get('state')).toBe(checks.expectedState);
    await expect(oidc.authorizationCodeGrant(config, callbackUrl, checks)).rejects.toMatchObject({
      error: 'access_denied',
    });
  });

  it('fails or stalls the token endpoint on demand', async () => {
    reset({ tokenError: { status: 401, body: { error: 'invalid_client' } } });
    await expect(codeFlow(config, signIn)).rejects.toMatchObject({ error: 'invalid_client', status: 401 });

    reset({ tokenDelayMs: 300 });
    const startedAt = Date.now();
    await codeFlow(config, signIn);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(300);
  });

  it('enforces PKCE and single-use codes', async () => {
    reset();
    const { url, checks } = await beginAuthorization(config);
    const callbackUrl = new URL(await idp.signIn(url));
    await expect(
      oidc.authorizationCodeGrant(config, callbackUrl, { ...checks, pkceCodeVerifier: oidc.randomPKCECodeVerifier() }),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(oidc.authorizationCodeGrant(config, callbackUrl, checks)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('rotates its signing key and records JWKS fetches', async () => {
    reset();
    const jwksFetches = () => idp.requests.filter(({ path }) => path.endsWith('/jwks')).length;
    const freshConfig = await discover(idp.issuer);
    await codeFlow(freshConfig, signIn);
    const before = jwksFetches();

    await idp.rotateSigningKey();
    // Within 60 s of its last JWKS fetch openid-client does not refetch for an unknown kid.
    expect(await failureOf(codeFlow(freshConfig, signIn))).toMatch(/no applicable keys found/);
    expect(jwksFetches()).toBe(before);
    await codeFlow(await discover(idp.issuer), signIn);
    expect(jwksFetches()).toBe(before + 1);

    const { keys } = (await (await fetch(idp.jwksUrl)).json()) as { keys: unknown[] };
    expect(keys).toHaveLength(1);
  });
});
