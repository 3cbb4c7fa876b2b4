import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { decodeJwt } from 'jose';
import { Client } from 'pg';
import { PLATFORM_KEY, startTestApp, type TestApp } from './support/app';
import { errorCode, graphql, graphqlOk } from './support/graphql';
import { addVerifiedDomain } from './support/domains';
import { queryDatabase, type TestDatabase } from './support/database';
import { startTestIdp, type TestIdp } from './support/test-idp';
import { TestBrowser } from './support/browser';
import { RelyingParty } from './support/relying-party';
import { createApiKey, createConnection } from './support/fixtures';
import { OidcModelsRepository } from '../src/oidc-provider/oidc-models.repository';
import { OidcAccountsRepository } from '../src/oidc-provider/oidc-accounts.repository';
import { SessionsService } from '../src/auth/sessions.service';
import { eventually } from './support/eventually';

const TENANT = '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f';
const APP = 'https://app.op-test.example';
const OTHER_APP = 'https://other.op-test.example';

interface Application {
  id: string;
  clientId: string;
}

describe('the service as an OpenID Provider for the product’s apps', () => {
  let service: TestApp & { database: TestDatabase };
  let entra: TestIdp;
  let okta: TestIdp;
  let acme: { organizationId: string; connectionId: string };
  let globex: { organizationId: string; connectionId: string };
  let app: Application & { clientSecret: string };
  let otherApp: Application & { clientSecret: string };
  let issuer: string;

  const createApplication = async (input: Record<string, unknown>) => {
    const { createApplication } = await graphqlOk(
      service.url,
      PLATFORM_KEY,
      'mutation($input: CreateApplicationInput!) { createApplication(input: $input) { clientSecret application { id clientId name redirectUris postLogoutRedirectUris initiateLoginUri } } }',
      { input },
    );
    return { ...createApplication.application, clientSecret: createApplication.clientSecret } as Application & {
      clientSecret: string;
      redirectUris: string[];
    };
  };

  const relyingParty = (options: { auth?: 'basic' | 'post'; tokenHost?: string } = {}, client = app, redirectUri = `${APP}/callback`) =>
    RelyingParty.discover(issuer, { clientId: client.clientId, clientSecret: client.clientSecret, redirectUri }, options);

  /**
   * Follows the browser's redirects from the app's authorization request: through the service's
   * pages and, when sent there, the IdP (signed in as `sub`), until the browser is sent back to an
   * app (the URL is returned) or a page is shown (the response is returned).
   */
  async function follow(
    browser: TestBrowser,
    start: string,
    sub?: string,
  ): Promise<{ appUrl?: string; page?: Response; idpVisits: number }> {
    let url = start;
    let idpVisits = 0;
    for (let hop = 0; hop < 20; hop++) {
      if (url.startsWith(APP) || url.startsWith(OTHER_APP)) return { appUrl: url, idpVisits };
      const idp = [entra, okta].find((candidate) => url.startsWith(candidate.origin));
      if (idp) {
        if (!sub) throw new Error(`sent to the IdP at ${url} without a person to sign in`);
        idpVisits++;
        url = await idp.signIn(url, sub);
        continue;
      }
      let response = await browser.get(url);
      // oidc-provider's auto-submitting form (it ends its own session when another person signs in).
      const html = response.status === 200 ? await response.clone().text() : '';
      if (html.includes('<title>Submitting Callback</title>')) {
        const action = /<form method="post" action="([^"]+)"/.exec(html)![1];
        const fields = Object.fromEntries(
          [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"\/>/g)].map((match) => [match[1], match[2]]),
        );
        response = await browser.post(action, fields);
      }
      const location = response.headers.get('location');
      if (!location || response.status < 300 || response.status >= 400) return { page: response, idpVisits };
      url = new URL(location, url).href;
    }
    throw new Error('too many redirects');
  }

  /** A whole sign-in from the app's point of view: authorization request, IdP, code, tokens. */
  async function signIn(browser: TestBrowser, rp: RelyingParty, sub: string | undefined, extra: Record<string, string> = {}) {
    const login = await rp.start(extra);
    const { appUrl, page, idpVisits } = await follow(browser, login.url, sub);
    if (!appUrl) throw new Error(`no redirect back to the app: ${page?.status} ${await page?.text()}`);
    const tokens = await rp.finish(appUrl, login);
    return { tokens, claims: tokens.claims()!, idpVisits };
  }

  /** The service session an access token of the provider was given through. */
  const serviceSessionOf = async (accessToken: string) =>
    (
      await queryDatabase<{ service_session_id: string | null }>(
        service.databaseUrl,
        "SELECT service_session_id FROM oidc_models WHERE kind = 'AccessToken' AND id = $1",
        [accessToken],
      )
    )[0]?.service_session_id;
  /** The kinds of the provider's stored objects (grants, codes, tokens) tied to a service session. */
  const kindsTiedTo = async (sessionId: string) =>
    (
      await queryDatabase<{ kind: string }>(
        service.databaseUrl,
        'SELECT kind FROM oidc_models WHERE service_session_id = $1 ORDER BY kind',
        [sessionId],
      )
    ).map((row) => row.kind);
  /** What openid-client throws when userinfo refuses the access token (RFC 6750 §3.1). */
  const invalidToken = { status: 401, cause: [{ parameters: { error: 'invalid_token' } }] };

  const memberId = async (email: string) =>
    (await queryDatabase<{ id: string }>(service.databaseUrl, 'SELECT id FROM users WHERE email = $1', [email]))[0].id;

  async function setUpOrganization(name: string, domain: string, connection: Record<string, unknown>, idp: TestIdp, clientId: string) {
    const { createOrganization } = await graphqlOk(
      service.url,
      PLATFORM_KEY,
      'mutation($name: String!) { createOrganization(input: { name: $name }) { id } }',
      { name },
    );
    await addVerifiedDomain(service.url, createOrganization.id, domain);
    const created = await createConnection(service.url, {
      organizationId: createOrganization.id,
      clientId,
      clientSecret: `${clientId}-secret`,
      ...connection,
    });
    idp.registerClient({ clientId, clientSecret: `${clientId}-secret`, redirectUris: [created.redirectUri] });
    return { organizationId: createOrganization.id as string, connectionId: created.id };
  }

  beforeAll(async () => {
    entra = await startTestIdp({
      flavour: 'entra',
      tenantId: TENANT,
      accounts: [
        { sub: 'ann', email: 'ann@acme-op-test.com', email_verified: true, given_name: 'Ann', family_name: 'Lee', groups: ['grp-admins'] },
        { sub: 'ben', email: 'ben@acme-op-test.com', email_verified: true, given_name: 'Ben', family_name: 'Ng' },
        { sub: 'cat', email: 'cat@acme-op-test.com', email_verified: true, given_name: 'Cat' },
        { sub: 'out', email: 'out@elsewhere-op-test.com', email_verified: true },
      ],
    });
    okta = await startTestIdp({
      flavour: 'okta',
      accounts: [
        { sub: 'gus', email: 'gus@globex-op-test.com', email_verified: true, given_name: 'Gus', family_name: 'Fring', groups: ['Sales'] },
      ],
    });
    service = await startTestApp({ env: { ENTRA_AUTHORITY: entra.origin } });
    issuer = `${service.url}/oidc`;
    acme = await setUpOrganization('Acme OP', 'acme-op-test.com', { type: 'ENTRA_ID', entraTenant: TENANT }, entra, 'acme-op');
    globex = await setUpOrganization('Globex OP', 'globex-op-test.com', { type: 'OKTA', oktaDomain: okta.origin }, okta, 'globex-op');
    await graphqlOk(service.url, PLATFORM_KEY, 'mutation($input: CreateRoleMappingInput!) { createRoleMapping(input: $input) { id } }', {
      input: { connectionId: acme.connectionId, idpGroupId: 'grp-admins', role: 'admin' },
    });
    await graphqlOk(service.url, PLATFORM_KEY, 'mutation($input: CreateRoleMappingInput!) { createRoleMapping(input: $input) { id } }', {
      input: { connectionId: globex.connectionId, idpGroupId: 'Sales', role: 'viewer' },
    });
    app = await createApplication({
      name: 'Product',
      redirectUris: [`${APP}/callback`],
      postLogoutRedirectUris: [`${APP}/signed-out`],
      initiateLoginUri: `${APP}/initiate`,
    });
    otherApp = await createApplication({ name: 'Other product', redirectUris: [`${OTHER_APP}/callback`] });
  });

  afterAll(async () => {
    await service?.close();
    await service?.database.drop();
    await entra?.close();
    await okta?.close();
  });

  describe('applications in the admin API', () => {
    it('registers an application, shows its secret once and keeps it sealed', async () => {
      const created = await createApplication({ name: 'Registered', redirectUris: ['https://registered.example/cb'] });
      expect(created.clientSecret.length).toBeGreaterThanOrEqual(40);
      const { applications } = await graphqlOk(
        service.url,
        PLATFORM_KEY,
        '{ applications { id clientId name redirectUris postLogoutRedirectUris initiateLoginUri } }',
      );
      expect(applications).toContainEqual({
        id: created.id,
        clientId: created.clientId,
        name: 'Registered',
        redirectUris: ['https://registered.example/cb'],
        postLogoutRedirectUris: [],
        initiateLoginUri: null,
      });
      const [row] = await queryDatabase<Record<string, string>>(service.databaseUrl, 'SELECT * FROM applications WHERE id = $1', [
        created.id,
      ]);
      expect(JSON.stringify(row)).not.toContain(created.clientSecret);
      const events = await queryDatabase<{ action: string; actor: string }>(
        service.databaseUrl,
        'SELECT action, actor FROM audit_events WHERE target_id = $1',
        [created.id],
      );
      expect(events).toEqual([{ action: 'application.created', actor: expect.stringMatching(/^api_key:/) }]);
    });

    it('refuses bad URIs with BAD_USER_INPUT naming the field, and organization keys with FORBIDDEN', async () => {
      for (const [input, field] of [
        [{ name: 'x', redirectUris: ['http://app.example.com/cb'] }, 'redirectUris'],
        [{ name: 'x', redirectUris: ['https://app.example.com/*'] }, 'redirectUris'],
        [{ name: 'x', redirectUris: [] }, 'redirectUris'],
        [{ name: 'x', redirectUris: ['https://app.example.com/cb'], postLogoutRedirectUris: ['not a uri'] }, 'postLogoutRedirectUris'],
        [{ name: 'x', redirectUris: ['https://app.example.com/cb'], initiateLoginUri: 'https://app.example.com/#x' }, 'initiateLoginUri'],
      ] as const) {
        const result = await graphql(
          service.url,
          PLATFORM_KEY,
          'mutation($input: CreateApplicationInput!) { createApplication(input: $input) { clientSecret } }',
          { input },
        );
        expect(errorCode(result)).toBe('BAD_USER_INPUT');
        expect(result.errors![0].extensions?.field).toBe(field);
      }
      const { secret: acmeKey } = await createApiKey(service.url, acme.organizationId, ['admin']);
      expect(errorCode(await graphql(service.url, acmeKey, '{ applications { id } }'))).toBe('FORBIDDEN');
      expect(
        errorCode(
          await graphql(
            service.url,
            acmeKey,
            'mutation { createApplication(input: { name: "x", redirectUris: ["https://a.example/cb"] }) { clientSecret } }',
          ),
        ),
      ).toBe('FORBIDDEN');
    });

    it('rotates a secret (the old one stops working at the token endpoint) and deletes an application', async () => {
      const rotated = await createApplication({ name: 'Rotated', redirectUris: [`${APP}/callback`] });
      const { rotateApplicationSecret } = await graphqlOk(
        service.url,
        PLATFORM_KEY,
        'mutation($id: ID!) { rotateApplicationSecret(id: $id) { clientSecret application { clientId } } }',
        { id: rotated.id },
      );
      expect(rotateApplicationSecret.application.clientId).toBe(rotated.clientId);
      const oldRp = await relyingParty({}, rotated);
      const newRp = await relyingParty({}, { ...rotated, clientSecret: rotateApplicationSecret.clientSecret });
      const browser = new TestBrowser();
      const login = await newRp.start({ login_hint: 'ben@acme-op-test.com' });
      const { appUrl } = await follow(browser, login.url, 'ben');
      // A client authentication failure comes as a WWW-Authenticate challenge (RFC 6749 §5.2).
      await expect(oldRp.finish(appUrl!, login)).rejects.toMatchObject({ cause: [{ parameters: { error: 'invalid_client' } }] });
      const second = await newRp.start();
      const { appUrl: secondUrl } = await follow(browser, second.url);
      await expect(newRp.finish(secondUrl!, second)).resolves.toHaveProperty('id_token');

      expect(
        (await graphqlOk(service.url, PLATFORM_KEY, 'mutation($id: ID!) { deleteApplication(id: $id) }', { id: rotated.id }))
          .deleteApplication,
      ).toBe(true);
      const gone = await browser.get((await newRp.start()).url);
      expect(gone.status).toBe(400);
      expect(await gone.text()).toContain('invalid_client');
      expect(
        errorCode(await graphql(service.url, PLATFORM_KEY, 'mutation($id: ID!) { deleteApplication(id: $id) }', { id: rotated.id })),
      ).toBe('NOT_FOUND');
    });
  });

  it('publishes a discovery document for code flow with PKCE S256 and a JWKS of its own keys', async () => {
    const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(discovery).toMatchObject({
      issuer,
      authorization_endpoint: `${issuer}/auth`,
      token_endpoint: `${issuer}/token`,
      userinfo_endpoint: `${issuer}/me`,
      end_session_endpoint: `${issuer}/session/end`,
      revocation_endpoint: `${issuer}/token/revocation`,
      jwks_uri: `${issuer}/jwks`,
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
    });
    expect(discovery.token_endpoint_auth_methods_supported).toEqual(expect.arrayContaining(['client_secret_basic', 'client_secret_post']));
    expect(discovery.claims_supported).toEqual(
      expect.arrayContaining(['sub', 'email', 'email_verified', 'given_name', 'family_name', 'org', 'roles']),
    );
    const jwks = (await (await fetch(`${issuer}/jwks`)).json()) as { keys: { kid: string; d?: string }[] };
    expect(jwks.keys.length).toBeGreaterThanOrEqual(1);
    expect(jwks.keys.every((key) => key.kid && key.d === undefined)).toBe(true);
    const sessionKeys = (await (await fetch(`${service.url}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
    expect(jwks.keys.map((key) => key.kid)).not.toContain(sessionKeys.keys[0].kid);
    const [stored] = await queryDatabase<{ private_jwk_encrypted: string }>(
      service.databaseUrl,
      'SELECT private_jwk_encrypted FROM oidc_signing_keys',
    );
    expect(stored.private_jwk_encrypted).toMatch(/^v1:/);
  });

  it('signs people of two organizations in through their own IdPs, with the right org and roles in the ID token and userinfo', async () => {
    const rp = await relyingParty();
    const ann = await signIn(new TestBrowser(), rp, 'ann', { login_hint: 'ann@acme-op-test.com' });
    expect(ann.claims).toMatchObject({
      iss: issuer,
      aud: app.clientId,
      sub: await memberId('ann@acme-op-test.com'),
      email: 'ann@acme-op-test.com',
      email_verified: true,
      given_name: 'Ann',
      family_name: 'Lee',
      org: acme.organizationId,
      roles: ['admin'],
    });
    expect(await rp.userinfo(ann.tokens.access_token, ann.claims.sub)).toEqual({
      sub: ann.claims.sub,
      email: 'ann@acme-op-test.com',
      email_verified: true,
      given_name: 'Ann',
      family_name: 'Lee',
      org: acme.organizationId,
      roles: ['admin'],
    });

    const gus = await signIn(new TestBrowser(), await relyingParty({ auth: 'post' }), 'gus', { organization: globex.organizationId });
    expect(gus.idpVisits).toBe(1);
    expect(gus.claims).toMatchObject({
      sub: await memberId('gus@globex-op-test.com'),
      email: 'gus@globex-op-test.com',
      org: globex.organizationId,
      roles: ['viewer'],
    });

    const byConnection = await signIn(new TestBrowser(), rp, 'ben', { connection: acme.connectionId });
    expect(byConnection.claims).toMatchObject({ email: 'ben@acme-op-test.com', org: acme.organizationId, roles: ['editor'] });
  });

  it('asks for the work email when the request names no organization, and also gives the service session', async () => {
    const rp = await relyingParty();
    const browser = new TestBrowser();
    const login = await rp.start();
    const { page } = await follow(browser, login.url);
    expect(page!.status).toBe(200);
    const html = await page!.text();
    expect(html).toContain('Work email');
    const action = /<form method="post" action="([^"]+)"/.exec(html)![1];

    const unknown = await browser.post(`${service.url}${action}`, { email: 'someone@no-sso-op-test.com' });
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain('No single sign-on is set up for your email domain');

    const submitted = await browser.post(`${service.url}${action}`, { email: 'gus@globex-op-test.com' });
    expect(submitted.status).toBe(302);
    const { appUrl } = await follow(browser, new URL(submitted.headers.get('location')!, service.url).href, 'gus');
    const tokens = await rp.finish(appUrl!, login);
    expect(tokens.claims()).toMatchObject({ email: 'gus@globex-op-test.com', org: globex.organizationId });
    const me = await browser.get(`${service.url}/auth/me`);
    expect(me.status).toBe(200);
    expect(((await me.json()) as { user: { id: string } }).user.id).toBe(tokens.claims()!.sub);
  });

  it('reads roles at token time: a role change shows in the next token and in userinfo, without a new trip to the IdP', async () => {
    const rp = await relyingParty();
    const browser = new TestBrowser();
    const first = await signIn(browser, rp, 'cat', { login_hint: 'cat@acme-op-test.com' });
    expect(first.claims.roles).toEqual(['editor']);
    await graphqlOk(service.url, PLATFORM_KEY, 'mutation($input: SetMemberRolesInput!) { setMemberRoles(input: $input) { roles } }', {
      input: { organizationId: acme.organizationId, userId: first.claims.sub, roles: ['viewer', 'admin'] },
    });
    expect((await rp.userinfo(first.tokens.access_token, first.claims.sub)).roles).toEqual(['viewer', 'admin']);
    const second = await signIn(browser, rp, undefined);
    expect(second.idpVisits).toBe(0);
    expect(second.claims).toMatchObject({ sub: first.claims.sub, roles: ['viewer', 'admin'] });
  });

  describe('refusals', () => {
    it('shows an error page, and never redirects, for a redirect URI that is not registered exactly', async () => {
      const rp = await relyingParty({}, app, `${APP}/callback/other`);
      const response = await new TestBrowser().get((await rp.start()).url);
      expect(response.status).toBe(400);
      expect(response.headers.get('location')).toBeNull();
      expect(await response.text()).toContain('redirect_uri did not match any of the client');
    });

    it('refuses a request without PKCE back to the app with invalid_request', async () => {
      const rp = await relyingParty();
      const url = new URL((await rp.start({ login_hint: 'ann@acme-op-test.com' })).url);
      url.searchParams.delete('code_challenge');
      url.searchParams.delete('code_challenge_method');
      const response = await new TestBrowser().get(url.href);
      const back = new URL(response.headers.get('location')!);
      expect(back.origin + back.pathname).toBe(`${APP}/callback`);
      expect(back.searchParams.get('error')).toBe('invalid_request');
      expect(back.searchParams.get('error_description')).toMatch(/PKCE/);
    });

    it('refuses a replayed code and a code presented by another application', async () => {
      const rp = await relyingParty();
      const browser = new TestBrowser();
      const login = await rp.start({ login_hint: 'ben@acme-op-test.com' });
      const { appUrl } = await follow(browser, login.url, 'ben');
      await rp.finish(appUrl!, login);
      await expect(rp.finish(appUrl!, login)).rejects.toMatchObject({ error: 'invalid_grant' });

      const stolen = await rp.start();
      const { appUrl: stolenUrl } = await follow(browser, stolen.url);
      const thief = await relyingParty({}, otherApp, `${OTHER_APP}/callback`);
      const replayedAtThief = new URL(stolenUrl!);
      const atThief = `${OTHER_APP}/callback${replayedAtThief.search}`;
      await expect(thief.finish(atThief, stolen)).rejects.toMatchObject({ error: 'invalid_grant' });
    });

    it('returns a login refused by the checks to the app with access_denied and the callback error code first', async () => {
      const rp = await relyingParty();
      const browser = new TestBrowser();
      const login = await rp.start({ connection: acme.connectionId });
      const { appUrl } = await follow(browser, login.url, 'out');
      const back = new URL(appUrl!);
      expect(back.origin + back.pathname).toBe(`${APP}/callback`);
      expect(back.searchParams.get('error')).toBe('access_denied');
      expect(back.searchParams.get('error_description')).toMatch(/^domain_not_allowed: /);
      expect(back.searchParams.get('state')).toBe(login.state);
      expect(browser.cookie('sso_session')).toBeUndefined();
      await expect(rp.finish(appUrl!, login)).rejects.toMatchObject({ error: 'access_denied' });
    });

    it('answers a request naming an organization only with a session of that organization', async () => {
      const rp = await relyingParty();
      const browser = new TestBrowser();
      await signIn(browser, rp, 'gus', { login_hint: 'gus@globex-op-test.com' });
      const login = await rp.start({ organization: acme.organizationId });
      const toInteraction = await browser.get(login.url);
      const interaction = new URL(toInteraction.headers.get('location')!, service.url).href;
      // Straight to the continuation, skipping Acme's IdP: Globex's session does not answer it.
      const { appUrl } = await follow(browser, `${interaction}/continue`);
      const back = new URL(appUrl!);
      expect(back.searchParams.get('error')).toBe('access_denied');
      expect(back.searchParams.get('error_description')).toMatch(/^invalid_state: /);

      expect((await signIn(browser, rp, undefined, { organization: globex.organizationId })).idpVisits).toBe(0);
      const acmeLogin = await signIn(browser, rp, 'ann', { organization: acme.organizationId });
      expect(acmeLogin.idpVisits).toBe(1);
      expect(acmeLogin.claims).toMatchObject({ email: 'ann@acme-op-test.com', org: acme.organizationId });
    });

    it('returns an unknown organization to the app with access_denied', async () => {
      const rp = await relyingParty();
      const login = await rp.start({ organization: '00000000-0000-4000-8000-000000000000' });
      const { appUrl } = await follow(new TestBrowser(), login.url);
      const back = new URL(appUrl!);
      expect(back.searchParams.get('error')).toBe('access_denied');
      expect(back.searchParams.get('error_description')).toMatch(/^unknown_connection: /);
    });
  });

  describe('one session', () => {
    it('ends the service session with RP-initiated logout, and the next request goes back to the IdP', async () => {
      const rp = await relyingParty();
      const browser = new TestBrowser();
      const { tokens } = await signIn(browser, rp, 'ben', { login_hint: 'ben@acme-op-test.com' });
      expect((await browser.get(`${service.url}/auth/me`)).status).toBe(200);
      const serviceToken = browser.cookie('sso_session')!;

      const confirm = await browser.get(rp.endSessionUrl(tokens.id_token!, `${APP}/signed-out`));
      expect(confirm.status).toBe(200);
      const html = await confirm.text();
      const action = /<form[^>]*action="([^"]+)"/.exec(html)![1];
      const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)![1];
      const loggedOut = await browser.post(new URL(action, service.url).href, { xsrf, logout: 'yes' });
      expect(loggedOut.headers.get('location')).toBe(`${APP}/signed-out`);

      expect((await browser.get(`${service.url}/auth/me`)).status).toBe(401);
      expect((await fetch(`${service.url}/auth/me`, { headers: { authorization: `Bearer ${serviceToken}` } })).status).toBe(401);
      await expect(rp.userinfo(tokens.access_token, decodeJwt(tokens.id_token!).sub!)).rejects.toMatchObject(invalidToken);
      const again = await signIn(browser, rp, 'ben', { login_hint: 'ben@acme-op-test.com' });
      expect(again.idpVisits).toBe(1);
    });

    it('ends the provider’s session with POST /auth/logout: the next request goes back to the IdP', async () => {
      const rp = await relyingParty();
      const browser = new TestBrowser();
      await signIn(browser, rp, 'ben', { login_hint: 'ben@acme-op-test.com' });
      expect((await signIn(browser, rp, undefined)).idpVisits).toBe(0);
      expect((await browser.post(`${service.url}/auth/logout`)).status).toBe(204);
      expect((await signIn(browser, rp, 'ben', { login_hint: 'ben@acme-op-test.com' })).idpVisits).toBe(1);
    });

    it('revokes the app’s tokens given through a session with POST /auth/logout; another person’s keep working', async () => {
      const rp = await relyingParty();
      const browser = new TestBrowser();
      const ben = await signIn(browser, rp, 'ben', { login_hint: 'ben@acme-op-test.com' });
      const ann = await signIn(new TestBrowser(), rp, 'ann', { login_hint: 'ann@acme-op-test.com' });
      expect((await rp.userinfo(ben.tokens.access_token, ben.claims.sub)).email).toBe('ben@acme-op-test.com');
      // Code flow without offline_access gives no refresh token; one stored for the grant, as
      // oidc-provider would store it, must go with the session all the same.
      expect(ben.tokens.refresh_token).toBeUndefined();
      const [grantId] = (
        await queryDatabase<{ grant_id: string }>(
          service.databaseUrl,
          "SELECT grant_id FROM oidc_models WHERE kind = 'AccessToken' AND id = $1",
          [ben.tokens.access_token],
        )
      ).map((row) => row.grant_id);
      await service.app.get(OidcModelsRepository).upsert('RefreshToken', 'refresh-of-ben', { grantId }, 3600);
      const session = (await serviceSessionOf(ben.tokens.access_token))!;
      expect(await kindsTiedTo(session)).toEqual(['AccessToken', 'AuthorizationCode', 'Grant', 'RefreshToken']);

      expect((await browser.post(`${service.url}/auth/logout`)).status).toBe(204);

      await expect(rp.userinfo(ben.tokens.access_token, ben.claims.sub)).rejects.toMatchObject(invalidToken);
      expect(await kindsTiedTo(session)).toEqual([]);
      expect((await rp.userinfo(ann.tokens.access_token, ann.claims.sub)).email).toBe('ann@acme-op-test.com');
    });

    it('returns an authorization to the app with login_required when a logout lands between the account lookup and the grant, not a server error', async () => {
      const rp = await relyingParty();
      const browser = new TestBrowser();
      const accounts = service.app.get(OidcAccountsRepository);
      const claimsOf = accounts.claimsOf.bind(accounts);
      // findAccount has found the browser's session live; the logout ends it before the grant is tied to it.
      const lookup = jest.spyOn(accounts, 'claimsOf').mockImplementationOnce(async (...args) => {
        await service.app.get(SessionsService).revoke(decodeJwt(browser.cookie('sso_session')!).jti!);
        return claimsOf(...args);
      });
      try {
        const login = await rp.start({ login_hint: 'ben@acme-op-test.com' });
        const { appUrl, page } = await follow(browser, login.url, 'ben');
        expect(lookup).toHaveBeenCalled();
        if (!appUrl) throw new Error(`no redirect back to the app: ${page?.status} ${await page?.text()}`);
        const answer = Object.fromEntries(new URL(appUrl).searchParams);
        expect(answer).toMatchObject({ error: 'login_required', state: login.state });
        expect(answer.code).toBeUndefined();
      } finally {
        lookup.mockRestore();
      }
      const untied = await queryDatabase(
        service.databaseUrl,
        "SELECT id FROM oidc_models WHERE kind = 'Grant' AND service_session_id IS NULL",
      );
      expect(untied).toEqual([]);
      expect((await signIn(browser, rp, 'ben', { login_hint: 'ben@acme-op-test.com' })).idpVisits).toBe(1);
    });

    it('refuses a code exchange with invalid_grant when a logout commits while its token is stored, not with a server error', async () => {
      const rp = await relyingParty();
      const browser = new TestBrowser();
      const login = await rp.start({ login_hint: 'ben@acme-op-test.com' });
      const { appUrl } = await follow(browser, login.url, 'ben');
      const sessionId = decodeJwt(browser.cookie('sso_session')!).jti!;
      const models = service.app.get(OidcModelsRepository);
      const upsert = models.upsert.bind(models);
      const logout = new Client({ connectionString: service.databaseUrl });
      await logout.connect();
      const waitingOnLocks = async () =>
        (
          await queryDatabase<{ waiting: number }>(
            service.databaseUrl,
            "SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
          )
        )[0].waiting;
      // The token's INSERT reads the grant (the logout's delete is not committed yet), then its
      // foreign key check waits on the session row the logout deletes; the logout commits.
      const store = jest.spyOn(models, 'upsert').mockImplementation(async (kind, ...rest) => {
        if (kind !== 'AccessToken') return upsert(kind, ...rest);
        await logout.query('BEGIN');
        await logout.query('DELETE FROM sessions WHERE id = $1', [sessionId]);
        const storing = upsert(kind, ...rest);
        storing.catch(() => undefined);
        await eventually(async () => expect(await waitingOnLocks()).toBe(1));
        await logout.query('COMMIT');
        return storing;
      });
      try {
        await expect(rp.finish(appUrl!, login)).rejects.toMatchObject({ status: 400, error: 'invalid_grant' });
        expect(store).toHaveBeenCalledWith('AccessToken', expect.any(String), expect.any(Object), expect.any(Number));
      } finally {
        store.mockRestore();
        await logout.end();
      }
      expect(await kindsTiedTo(sessionId)).toEqual([]);
    });

    it('ends both with removeMember: no new sign-in from the provider’s session, and userinfo refuses the old token', async () => {
      const rp = await relyingParty();
      const browser = new TestBrowser();
      const { tokens, claims } = await signIn(browser, rp, 'gus', { login_hint: 'gus@globex-op-test.com' });
      const other = await signIn(new TestBrowser(), rp, 'ann', { login_hint: 'ann@acme-op-test.com' });
      const session = (await serviceSessionOf(tokens.access_token))!;
      expect(await kindsTiedTo(session)).toContain('AccessToken');
      await graphqlOk(service.url, PLATFORM_KEY, 'mutation($org: ID!, $user: ID!) { removeMember(organizationId: $org, userId: $user) }', {
        org: globex.organizationId,
        user: claims.sub,
      });
      await expect(rp.userinfo(tokens.access_token, claims.sub)).rejects.toMatchObject(invalidToken);
      expect(await kindsTiedTo(session)).toEqual([]);
      expect((await rp.userinfo(other.tokens.access_token, other.claims.sub)).email).toBe('ann@acme-op-test.com');
      const login = await rp.start();
      const { page, appUrl } = await follow(browser, login.url);
      expect(appUrl).toBeUndefined();
      expect(await page!.text()).toContain('Work email');
    });
  });

  it('sends an IdP-initiated login meant for an app to its initiate login URI, and the app’s own request needs no second trip to the IdP', async () => {
    const rp = await relyingParty();
    for (const target of [`${APP}/initiate`, `${APP}/reports/42`]) {
      const browser = new TestBrowser();
      const initiate = await browser.get(
        `${service.url}/sso/initiate/${acme.connectionId}?iss=${encodeURIComponent(entra.issuer)}&target_link_uri=${encodeURIComponent(target)}`,
      );
      expect(initiate.status).toBe(302);
      const callback = await browser.get(await entra.signIn(initiate.headers.get('location')!, 'ann'));
      const atApp = new URL(callback.headers.get('location')!);
      expect(atApp.origin + atApp.pathname).toBe(`${APP}/initiate`);
      expect(Object.fromEntries(atApp.searchParams)).toEqual({ iss: issuer, target_link_uri: target });

      const { claims, idpVisits } = await signIn(browser, rp, undefined);
      expect(idpVisits).toBe(0);
      expect(claims).toMatchObject({ email: 'ann@acme-op-test.com', org: acme.organizationId, roles: ['admin'] });
    }
    const elsewhere = new TestBrowser();
    const initiate = await elsewhere.get(
      `${service.url}/sso/initiate/${acme.connectionId}?target_link_uri=${encodeURIComponent('https://unregistered.op-test.example/initiate')}`,
    );
    const callback = await elsewhere.get(await entra.signIn(initiate.headers.get('location')!, 'ann'));
    expect(callback.headers.get('location')).toBe(service.config.appUrl);
  });

  it('serves one login across two instances: authorization on one, token and userinfo on the other', async () => {
    const second = await startTestApp({ database: service.database, env: { PUBLIC_URL: service.url, ENTRA_AUTHORITY: entra.origin } });
    try {
      const rp = await relyingParty({ tokenHost: second.url });
      const { claims, tokens } = await signIn(new TestBrowser(), rp, 'ann', { login_hint: 'ann@acme-op-test.com' });
      expect(claims).toMatchObject({ iss: issuer, org: acme.organizationId, roles: ['admin'] });
      expect((await rp.userinfo(tokens.access_token, claims.sub)).email).toBe('ann@acme-op-test.com');
      const firstJwks = await (await fetch(`${issuer}/jwks`)).json();
      const secondJwks = await (await fetch(`${second.url}/oidc/jwks`)).json();
      expect(secondJwks).toEqual(firstJwks);
    } finally {
      await second.close();
    }
  });
});
