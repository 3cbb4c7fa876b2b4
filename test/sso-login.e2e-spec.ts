import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { PLATFORM_KEY, startTestApp, type TestApp } from './support/app';
import { graphqlOk } from './support/graphql';
import { queryDatabase, type TestDatabase } from './support/database';
import { startTestIdp, type TestIdp } from './support/test-idp';
import { startRogueIdp, type IdTokenDefect, type RogueIdp } from './support/rogue-idp';
import { TestBrowser } from './support/browser';
import { eventually } from './support/eventually';
import { DataSource } from 'typeorm';
import { ConnectionsService } from '../src/connections/connections.service';
import { ProvisioningService } from '../src/provisioning/provisioning.service';
import { Connection } from '../src/connections/entities/connection.entity';
import { addVerifiedDomain } from './support/domains';
import { RolesFastPathModule } from '../src/provisioning/roles-fast-path.module';
import { createApiKey, createConnection } from './support/fixtures';

const TENANT = '0b5f3a7e-2c4d-4e6f-8a9b-1c2d3e4f5a6b';
const APP_ORIGIN = 'https://app.acme-sso-test.com';

describe('SSO login', () => {
  let service: TestApp & { database: TestDatabase };
  let entra: TestIdp;
  let rogue: RogueIdp;
  let organizationId: string;
  let entraConnectionId: string;
  let rogueConnectionId: string;

  /** Initiate at the service, sign in at the IdP, come back: the response of the callback. */
  async function login(browser: TestBrowser, connectionId: string, signIn: (authorizationUrl: string) => Promise<string>, query = '') {
    const initiate = await browser.get(`${service.url}/sso/initiate/${connectionId}${query}`);
    expect(initiate.status).toBe(302);
    const callbackUrl = await signIn(initiate.headers.get('location')!);
    return { callbackUrl, callback: await browser.get(callbackUrl, { accept: 'application/json' }) };
  }

  const entraSignIn = (sub: string) => (url: string) => entra.signIn(url, sub);

  async function errorOf(response: Response): Promise<string> {
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(response.headers.getSetCookie().some((cookie) => cookie.startsWith('sso_session='))).toBe(false);
    return ((await response.json()) as { error: string }).error;
  }

  beforeAll(async () => {
    entra = await startTestIdp({
      flavour: 'entra',
      tenantId: TENANT,
      accounts: [
        { sub: 'ann', email: 'ann@acme-sso-test.com', email_verified: true, given_name: 'Ann', family_name: 'Lee', groups: ['grp-admins'] },
        {
          sub: 'ben',
          email: 'ben@acme-sso-test.com',
          email_verified: true,
          given_name: 'Ben',
          family_name: 'Ng',
          groups: ['grp-unmapped'],
        },
        { sub: 'out', email: 'out@elsewhere-example.com', email_verified: true },
        { sub: 'unverified', email: 'unverified@acme-sso-test.com', email_verified: false },
      ],
    });
    rogue = await startRogueIdp();
    // A 1 ms JWKS refetch cooldown, so the key rotation test need not wait one out.
    service = await startTestApp({
      env: { ENTRA_AUTHORITY: entra.origin, APP_URL: `${APP_ORIGIN}/home`, IDP_TIMEOUT_MS: '1500', JWKS_REFETCH_COOLDOWN_MS: '1' },
    });
    const { createOrganization } = await graphqlOk(
      service.url,
      PLATFORM_KEY,
      'mutation { createOrganization(input: { name: "Acme SSO Test" }) { id } }',
    );
    organizationId = createOrganization.id;
    await addVerifiedDomain(service.url, organizationId, 'acme-sso-test.com');
    const entraConnection = await createConnection(service.url, {
      organizationId,
      type: 'ENTRA_ID',
      entraTenant: TENANT,
      clientId: 'entra-app',
      clientSecret: 'entra-secret',
    });
    entraConnectionId = entraConnection.id;
    entra.registerClient({ clientId: 'entra-app', clientSecret: 'entra-secret', redirectUris: [entraConnection.redirectUri] });
    await graphqlOk(service.url, PLATFORM_KEY, 'mutation($input: CreateRoleMappingInput!) { createRoleMapping(input: $input) { id } }', {
      input: { connectionId: entraConnectionId, idpGroupId: 'grp-admins', role: 'admin' },
    });
    rogueConnectionId = (
      await createConnection(service.url, {
        organizationId,
        type: 'GENERIC_OIDC',
        discoveryUrl: rogue.discoveryUrl,
        clientId: 'rogue-app',
        clientSecret: 'rogue-secret',
      })
    ).id;
  });

  afterAll(async () => {
    await service.close();
    await service.database.drop();
    await entra.close();
    await rogue.close();
  });

  it('signs a new employee in through Entra ID with PKCE, state and nonce, and provisions them just in time', async () => {
    const browser = new TestBrowser();
    const initiate = await browser.get(`${service.url}/sso/initiate/${entraConnectionId}?login_hint=ben@acme-sso-test.com`);
    const authorization = new URL(initiate.headers.get('location')!);
    expect(authorization.origin + authorization.pathname).toBe(entra.authorizationUrl);
    expect(authorization.searchParams.get('code_challenge_method')).toBe('S256');
    for (const parameter of ['state', 'nonce', 'code_challenge'])
      expect(authorization.searchParams.get(parameter)?.length).toBeGreaterThanOrEqual(32);
    expect(authorization.searchParams.get('login_hint')).toBe('ben@acme-sso-test.com');
    expect(authorization.searchParams.get('redirect_uri')).toBe(`${service.url}/sso/callback/${entraConnectionId}`);
    const bindingCookie = initiate.headers.getSetCookie().find((cookie) => cookie.startsWith('sso_login_'))!;
    expect(bindingCookie).toMatch(/HttpOnly/i);
    expect(bindingCookie).toMatch(/SameSite=Lax/i);

    const callback = await browser.get(await entra.signIn(authorization.href, 'ben'));
    expect(callback.status).toBe(302);
    expect(callback.headers.get('location')).toBe(`${APP_ORIGIN}/home`);
    const me = await browser.get(`${service.url}/auth/me`);
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual({
      user: { id: expect.any(String), email: 'ben@acme-sso-test.com', firstName: 'Ben', lastName: 'Ng' },
      organization: { id: organizationId, slug: 'acme-sso-test' },
      roles: ['editor'],
    });
  });

  it('maps IdP groups to roles and issues a session token that verifies against the JWKS', async () => {
    const browser = new TestBrowser();
    const { callback } = await login(browser, entraConnectionId, entraSignIn('ann'));
    expect(callback.status).toBe(302);
    const token = browser.cookie('sso_session')!;
    const { payload, protectedHeader } = await jwtVerify(token, createRemoteJWKSet(new URL(`${service.url}/.well-known/jwks.json`)), {
      issuer: service.url,
    });
    expect(protectedHeader).toMatchObject({ alg: 'ES256', kid: expect.any(String) });
    expect(payload).toMatchObject({ org: organizationId, roles: ['admin'], sub: expect.any(String) });
    const viaBearer = await fetch(`${service.url}/auth/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(((await viaBearer.json()) as { roles: string[] }).roles).toEqual(['admin']);
  });

  it('ends the session at logout', async () => {
    const browser = new TestBrowser();
    await login(browser, entraConnectionId, entraSignIn('ann'));
    const token = browser.cookie('sso_session')!;
    expect((await browser.post(`${service.url}/auth/logout`)).status).toBe(204);
    expect((await fetch(`${service.url}/auth/me`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    expect((await browser.get(`${service.url}/auth/me`)).status).toBe(401);
  });

  it('refuses a replayed callback and a callback opened in another browser with invalid_state', async () => {
    const browser = new TestBrowser();
    const { callbackUrl, callback } = await login(browser, entraConnectionId, entraSignIn('ann'));
    expect(callback.status).toBe(302);
    expect(await errorOf(await browser.get(callbackUrl, { accept: 'application/json' }))).toBe('invalid_state');

    const victim = new TestBrowser();
    const attacker = new TestBrowser();
    const initiate = await attacker.get(`${service.url}/sso/initiate/${entraConnectionId}`);
    const attackersCallback = await entra.signIn(initiate.headers.get('location')!, 'ann');
    expect(await errorOf(await victim.get(attackersCallback, { accept: 'application/json' }))).toBe('invalid_state');
  });

  it('keeps parallel logins in several tabs apart', async () => {
    const browser = new TestBrowser();
    const first = await browser.get(`${service.url}/sso/initiate/${entraConnectionId}`);
    const second = await browser.get(`${service.url}/sso/initiate/${entraConnectionId}`);
    const secondCallback = await entra.signIn(second.headers.get('location')!, 'ben');
    const firstCallback = await entra.signIn(first.headers.get('location')!, 'ann');
    expect((await browser.get(secondCallback)).status).toBe(302);
    expect((await browser.get(firstCallback)).status).toBe(302);
  });

  it('refuses an Entra token from another tenant', async () => {
    entra.setAccount({
      sub: 'guest',
      email: 'guest@acme-sso-test.com',
      email_verified: true,
      extraClaims: { tid: '11111111-2222-4333-8444-555555555555' },
    });
    expect(await errorOf((await login(new TestBrowser(), entraConnectionId, entraSignIn('guest'))).callback)).toBe('invalid_id_token');
  });

  it('refuses emails outside the organization’s domains and unverified emails', async () => {
    expect(await errorOf((await login(new TestBrowser(), entraConnectionId, entraSignIn('out'))).callback)).toBe('domain_not_allowed');
    expect(await errorOf((await login(new TestBrowser(), entraConnectionId, entraSignIn('unverified'))).callback)).toBe(
      'email_not_verified',
    );
  });

  it('answers unknown and inactive connections with their codes and a page a person can read', async () => {
    const unknown = await fetch(`${service.url}/sso/initiate/00000000-0000-4000-8000-000000000000`);
    expect(unknown.status).toBe(404);
    const page = await unknown.text();
    expect(page).toContain('unknown_connection');
    expect(page).not.toMatch(/at \w+ \(|Error:/);
    const notAnId = await fetch(`${service.url}/sso/initiate/<script>`, { headers: { accept: 'application/json' } });
    expect(await errorOf(notAnId)).toBe('unknown_connection');
    const inactiveConnection = await createConnection(service.url, {
      organizationId,
      type: 'ENTRA_ID',
      entraTenant: TENANT,
      clientId: 'off',
      clientSecret: 'off',
    });
    await graphqlOk(service.url, PLATFORM_KEY, 'mutation($id: ID!) { updateConnection(id: $id, input: { state: INACTIVE }) { id } }', {
      id: inactiveConnection.id,
    });
    const inactive = await fetch(`${service.url}/sso/initiate/${inactiveConnection.id}`, { headers: { accept: 'application/json' } });
    expect(await errorOf(inactive)).toBe('connection_inactive');
  });

  it('starts a third-party-initiated login only for the connection’s issuer and returns only to allowed origins', async () => {
    const wrongIssuer = await fetch(
      `${service.url}/sso/initiate/${entraConnectionId}?iss=${encodeURIComponent('https://evil.example.net')}`,
      { headers: { accept: 'application/json' } },
    );
    expect(wrongIssuer.status).toBe(400);
    const allowed = new TestBrowser();
    const target = `${APP_ORIGIN}/projects/42`;
    const { callback } = await login(
      allowed,
      entraConnectionId,
      entraSignIn('ann'),
      `?iss=${encodeURIComponent(entra.issuer)}&target_link_uri=${encodeURIComponent(target)}`,
    );
    expect(callback.headers.get('location')).toBe(target);
    const open = await login(
      new TestBrowser(),
      entraConnectionId,
      entraSignIn('ann'),
      `?return_to=${encodeURIComponent('https://evil.example.net/steal')}`,
    );
    expect(open.callback.headers.get('location')).toBe(`${APP_ORIGIN}/home`);
  });

  it('discovers the connection by email domain', async () => {
    const found = await fetch(`${service.url}/sso/discover?email=someone@ACME-SSO-TEST.com`, { redirect: 'manual' });
    expect(found.status).toBe(302);
    expect(found.headers.get('location')).toBe(`${service.url}/sso/initiate/${entraConnectionId}`);
    const none = await fetch(`${service.url}/sso/discover?email=someone@unknown-example.com`, { headers: { accept: 'application/json' } });
    expect(none.status).toBe(404);
    expect(((await none.json()) as { error: string }).error).toBe('no_sso_for_domain');
  });

  describe('ID tokens from a misbehaving IdP', () => {
    beforeAll(() => {
      rogue.behaviour.claims = { sub: 'rogue-user', email: 'rogue@acme-sso-test.com', email_verified: true };
    });

    it('accepts a well-formed token', async () => {
      rogue.behaviour.defect = 'none';
      const { callback } = await login(new TestBrowser(), rogueConnectionId, (url) => rogue.signIn(url));
      expect(callback.status).toBe(302);
    });

    it.each<IdTokenDefect>([
      'alg-none',
      'bad-signature',
      'wrong-iss',
      'wrong-aud',
      'expired',
      'issued-in-future',
      'nonce-mismatch',
      'nonce-missing',
      'unknown-kid',
      'wrong-azp',
    ])('refuses a token with defect %s as invalid_id_token', async (defect) => {
      rogue.behaviour.defect = defect;
      const { callback } = await login(new TestBrowser(), rogueConnectionId, (url) => rogue.signIn(url));
      expect(await errorOf(callback)).toBe('invalid_id_token');
    });

    it('accepts a token signed with a key the IdP has just rotated to', async () => {
      rogue.behaviour.defect = 'none';
      expect((await login(new TestBrowser(), rogueConnectionId, (url) => rogue.signIn(url))).callback.status).toBe(302);
      await rogue.rotateSigningKey();
      const jwksFetchesBefore = rogue.requests.filter((request) => request.path.endsWith('/jwks')).length;
      expect((await login(new TestBrowser(), rogueConnectionId, (url) => rogue.signIn(url))).callback.status).toBe(302);
      expect(rogue.requests.filter((request) => request.path.endsWith('/jwks')).length).toBe(jwksFetchesBefore + 1);
    }, 20_000);

    it('turns 25 simultaneous first logins of one person into exactly one user, identity and membership', async () => {
      rogue.behaviour.defect = 'none';
      rogue.behaviour.claims = { sub: 'racer', email: 'racer@acme-sso-test.com', email_verified: true };
      try {
        const callbacks = await Promise.all(
          Array.from({ length: 25 }, () =>
            login(new TestBrowser(), rogueConnectionId, (url) => rogue.signIn(url)).then(({ callback }) => callback.status),
          ),
        );
        expect(callbacks).toEqual(Array(25).fill(302));
        const counts = await queryDatabase<{ users: string; identities: string; memberships: string; provisioned: string }>(
          service.databaseUrl,
          `SELECT (SELECT count(*) FROM users WHERE email = 'racer@acme-sso-test.com') AS users,
                  (SELECT count(*) FROM sso_identities WHERE subject = 'racer') AS identities,
                  (SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'racer@acme-sso-test.com') AS memberships,
                  (SELECT count(*) FROM audit_events a JOIN users u ON a.target_id = u.id::text WHERE u.email = 'racer@acme-sso-test.com' AND a.action = 'user.provisioned') AS provisioned`,
        );
        expect(counts).toEqual([{ users: '1', identities: '1', memberships: '1', provisioned: '1' }]);
      } finally {
        rogue.behaviour.claims = { sub: 'rogue-user', email: 'rogue@acme-sso-test.com', email_verified: true };
      }
    }, 30_000);

    it('refuses an authorization response whose RFC 9207 iss names another issuer or is missing', async () => {
      rogue.behaviour.defect = 'none';
      rogue.behaviour.wrongIssParameter = true;
      try {
        const { callback } = await login(new TestBrowser(), rogueConnectionId, (url) => rogue.signIn(url));
        expect(await errorOf(callback)).toBe('idp_error');
        rogue.behaviour.wrongIssParameter = false;
        rogue.behaviour.omitIssParameter = true;
        expect(await errorOf((await login(new TestBrowser(), rogueConnectionId, (url) => rogue.signIn(url))).callback)).toBe('idp_error');
      } finally {
        rogue.behaviour.wrongIssParameter = false;
        rogue.behaviour.omitIssParameter = false;
      }
    });

    it('fetches userinfo when the ID token lacks the email, and says email_missing when nobody sends one', async () => {
      rogue.behaviour.defect = 'none';
      rogue.behaviour.claims = { sub: 'quiet', email_verified: true };
      rogue.behaviour.userinfo = { sub: 'quiet', email: 'quiet@acme-sso-test.com', given_name: 'Quiet' };
      try {
        const browser = new TestBrowser();
        expect((await login(browser, rogueConnectionId, (url) => rogue.signIn(url))).callback.status).toBe(302);
        expect(((await (await browser.get(`${service.url}/auth/me`)).json()) as { user: { email: string } }).user.email).toBe(
          'quiet@acme-sso-test.com',
        );
        rogue.behaviour.userinfo = { sub: 'quiet' };
        expect(await errorOf((await login(new TestBrowser(), rogueConnectionId, (url) => rogue.signIn(url))).callback)).toBe(
          'email_missing',
        );
      } finally {
        rogue.behaviour.claims = { sub: 'rogue-user', email: 'rogue@acme-sso-test.com', email_verified: true };
        rogue.behaviour.userinfo = undefined;
      }
    });

    it('gives up on a slow token endpoint within the IdP timeout with token_exchange_failed', async () => {
      rogue.behaviour.defect = 'none';
      rogue.behaviour.tokenDelayMs = 4_000;
      try {
        const started = Date.now();
        const { callback } = await login(new TestBrowser(), rogueConnectionId, (url) => rogue.signIn(url));
        expect(await errorOf(callback)).toBe('token_exchange_failed');
        expect(Date.now() - started).toBeLessThan(3_900);
      } finally {
        rogue.behaviour.tokenDelayMs = undefined;
      }
    }, 15_000);

    it('reports a refused token exchange as token_exchange_failed', async () => {
      rogue.behaviour.defect = 'none';
      rogue.behaviour.tokenError = { status: 401, body: { error: 'invalid_client' } };
      try {
        const { callback } = await login(new TestBrowser(), rogueConnectionId, (url) => rogue.signIn(url));
        expect(await errorOf(callback)).toBe('token_exchange_failed');
      } finally {
        rogue.behaviour.tokenError = undefined;
      }
    });

    it('reports an error the IdP sends back as idp_error', async () => {
      rogue.behaviour.authorizeError = 'access_denied';
      try {
        const { callback } = await login(new TestBrowser(), rogueConnectionId, (url) => rogue.signIn(url));
        expect(await errorOf(callback)).toBe('idp_error');
      } finally {
        rogue.behaviour.authorizeError = undefined;
      }
    });

    it('does not let a login that began before its connection’s client changed verify the changed connection', async () => {
      rogue.behaviour.defect = 'none';
      const { id } = await createConnection(service.url, {
        organizationId,
        type: 'GENERIC_OIDC',
        discoveryUrl: rogue.discoveryUrl,
        clientId: 'race-app',
        clientSecret: 'race-secret',
      });
      const tokenRequests = () => rogue.requests.filter((request) => request.path.endsWith('/token')).length;
      rogue.behaviour.tokenDelayMs = 1_000;
      try {
        const browser = new TestBrowser();
        const initiate = await browser.get(`${service.url}/sso/initiate/${id}`);
        const callbackUrl = await rogue.signIn(initiate.headers.get('location')!);
        const before = tokenRequests();
        const callback = browser.get(callbackUrl, { accept: 'application/json' });
        // The callback has read the connection and waits for the IdP: now the client changes.
        await eventually(() => expect(tokenRequests()).toBeGreaterThan(before), { timeoutMs: 5_000, intervalMs: 10 });
        await graphqlOk(
          service.url,
          PLATFORM_KEY,
          'mutation($id: ID!) { updateConnection(id: $id, input: { clientId: "race-app-2" }) { id } }',
          { id },
        );
        expect((await callback).status).toBe(302);
      } finally {
        rogue.behaviour.tokenDelayMs = undefined;
      }
      const [row] = await queryDatabase<{ verified_at: Date | null; last_login_at: Date | null }>(
        service.databaseUrl,
        'SELECT verified_at, last_login_at FROM connections WHERE id = $1',
        [id],
      );
      expect(row.verified_at).toBeNull();
      expect(row.last_login_at).not.toBeNull();
    });

    describe('claims longer than this service keeps (sub over 255 characters, email over 320)', () => {
      const LONG_SUB = 's'.repeat(256);
      const LONG_EMAIL = `${'e'.repeat(321 - '@acme-sso-test.com'.length)}@acme-sso-test.com`;

      afterEach(() => {
        rogue.behaviour.claims = { sub: 'rogue-user', email: 'rogue@acme-sso-test.com', email_verified: true };
      });

      /** A test sign-in through the rogue connection: the report the callback answers with. */
      type Report = { subject: string | null; email: string | null; succeeded: boolean; problems: { code: string }[] };
      async function testSignIn(): Promise<Report> {
        const { testConnection } = await graphqlOk(service.url, PLATFORM_KEY, 'mutation($id: ID!) { testConnection(id: $id) { url } }', {
          id: rogueConnectionId,
        });
        const browser = new TestBrowser();
        const start = await browser.get(testConnection.url);
        const report = await browser.get(await rogue.signIn(start.headers.get('location')!), { accept: 'application/json' });
        expect(report.status).toBe(200);
        return (await report.json()) as Report;
      }

      it('refuses a login with such a sub as invalid_id_token, and a test sign-in reports it', async () => {
        rogue.behaviour.defect = 'none';
        rogue.behaviour.claims = { sub: LONG_SUB, email: 'long-sub@acme-sso-test.com', email_verified: true };
        expect(await errorOf((await login(new TestBrowser(), rogueConnectionId, (url) => rogue.signIn(url))).callback)).toBe(
          'invalid_id_token',
        );
        const report = await testSignIn();
        expect(report).toMatchObject({
          succeeded: false,
          subject: null,
          problems: [expect.objectContaining({ code: 'invalid_id_token' })],
        });
        expect(await queryDatabase(service.databaseUrl, 'SELECT id FROM users WHERE email = $1', ['long-sub@acme-sso-test.com'])).toEqual(
          [],
        );
      });

      it('refuses a login with such an email as email_missing, and a test sign-in reports it', async () => {
        rogue.behaviour.defect = 'none';
        rogue.behaviour.claims = { sub: 'long-email', email: LONG_EMAIL, email_verified: true };
        expect(await errorOf((await login(new TestBrowser(), rogueConnectionId, (url) => rogue.signIn(url))).callback)).toBe(
          'email_missing',
        );
        const report = await testSignIn();
        expect(report).toMatchObject({
          succeeded: false,
          subject: 'long-email',
          email: null,
          problems: [expect.objectContaining({ code: 'email_missing' })],
        });
      });
    });
  });

  it('refuses an organization that is invite-only to someone not invited, then admits them once invited', async () => {
    await graphqlOk(
      service.url,
      PLATFORM_KEY,
      'mutation($id: ID!) { updateOrganization(id: $id, input: { jitProvisioning: false }) { id } }',
      { id: organizationId },
    );
    entra.setAccount({ sub: 'cat', email: 'cat@acme-sso-test.com', email_verified: true, given_name: 'Cat' });
    try {
      expect(await errorOf((await login(new TestBrowser(), entraConnectionId, entraSignIn('cat'))).callback)).toBe('user_not_invited');
      await graphqlOk(
        service.url,
        PLATFORM_KEY,
        'mutation($id: ID!) { inviteUser(input: { organizationId: $id, email: "cat@acme-sso-test.com", role: "viewer" }) { id } }',
        { id: organizationId },
      );
      const browser = new TestBrowser();
      const { callback } = await login(browser, entraConnectionId, entraSignIn('cat'));
      expect(callback.status).toBe(302);
      expect(decodeJwt(browser.cookie('sso_session')!).roles).toEqual(['viewer']);
    } finally {
      await graphqlOk(
        service.url,
        PLATFORM_KEY,
        'mutation($id: ID!) { updateOrganization(id: $id, input: { jitProvisioning: true }) { id } }',
        { id: organizationId },
      );
    }
  });

  // Both with the warm answers sent before Express and without them (ROLES_FAST_PATH=false), so a
  // guard or middleware added to the roles API cannot be silently skipped by the fast path.
  describe.each([{ fastPath: true }, { fastPath: false }])('the roles API for internal services (fast path: $fastPath)', ({ fastPath }) => {
    let rolesKey: string;
    let annId: string;
    let api: TestApp;

    beforeAll(async () => {
      api = fastPath
        ? service
        : await startTestApp({ database: service.database, env: { ENTRA_AUTHORITY: entra.origin, ROLES_FAST_PATH: 'false' } });
      const browser = new TestBrowser();
      await login(browser, entraConnectionId, entraSignIn('ann'));
      annId = decodeJwt(browser.cookie('sso_session')!).sub!;
      rolesKey = (await createApiKey(service.url, organizationId, ['roles:read'])).secret;
    });

    afterAll(async () => {
      if (api !== service) await api.close();
    });

    it(fastPath ? 'installs the fast path in front of Express' : 'leaves the fast path out: Express answers every request', () => {
      const installed = () => api.app.get(RolesFastPathModule, { strict: false });
      const [listener] = api.app.getHttpServer().listeners('request');
      const express = api.app.getHttpAdapter().getInstance();
      if (fastPath) {
        expect(installed()).toBeInstanceOf(RolesFastPathModule);
        expect(listener).not.toBe(express);
      } else {
        expect(installed).toThrow();
        expect(listener).toBe(express);
      }
    });

    const get = (path: string, key?: string) => fetch(`${api.url}${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });

    it('answers by user id and by email', async () => {
      const expected = { userId: annId, organizationId, roles: ['admin'], resources: ['*'] };
      const byId = await get(`/v1/organizations/${organizationId}/users/${annId}/roles`, rolesKey);
      expect(byId.status).toBe(200);
      expect(await byId.json()).toEqual(expected);
      const byEmail = await get(`/v1/organizations/${organizationId}/roles?email=${encodeURIComponent('ANN@acme-sso-test.com')}`, rolesKey);
      expect(await byEmail.json()).toEqual(expected);
    });

    it('answers a warm (cached) request exactly as the first one, and still refuses after it', async () => {
      const path = `/v1/organizations/${organizationId}/users/${annId}/roles`;
      const fresh = await createApiKey(service.url, organizationId, ['roles:read']);
      const answers = [];
      for (let i = 0; i < 3; i++)
        answers.push(
          await get(
            path
              .toUpperCase()
              .replace('/V1/ORGANIZATIONS/', '/v1/organizations/')
              .replace('/USERS/', '/users/')
              .replace('/ROLES', '/roles'),
            fresh.secret,
          ),
        );
      const bodies = await Promise.all(answers.map((answer) => answer.text()));
      for (const [i, answer] of answers.entries()) {
        expect(answer.status).toBe(200);
        expect(answer.headers.get('content-type')).toBe(answers[0].headers.get('content-type'));
        expect(answer.headers.get('etag')).toBe(answers[0].headers.get('etag'));
        expect(answer.headers.get('x-request-id')).toBeTruthy();
        expect(answer.headers.get('server-timing')).toMatch(/^app;dur=/);
        expect(bodies[i]).toBe(bodies[0]);
      }
      expect(JSON.parse(bodies[0])).toEqual({ userId: annId, organizationId, roles: ['admin'], resources: ['*'] });
      expect(answers[0].headers.get('content-length')).toBe(String(Buffer.byteLength(bodies[0])));
      const { createOrganization } = await graphqlOk(
        service.url,
        PLATFORM_KEY,
        'mutation { createOrganization(input: { name: "Warm Other Tenant" }) { id } }',
      );
      const foreign = await createApiKey(service.url, createOrganization.id, ['roles:read']);
      const adminOnly = await createApiKey(service.url, organizationId, ['admin']);
      for (let i = 0; i < 2; i++) {
        expect((await get(path, foreign.secret)).status).toBe(403);
        expect((await get(path)).status).toBe(401);
        expect((await get(path, 'sk_wrong_key')).status).toBe(401);
        expect((await get(path, adminOnly.secret)).status).toBe(200);
        expect((await fetch(`${api.url}${path}`, { method: 'HEAD', headers: { authorization: `Bearer ${fresh.secret}` } })).status).toBe(
          200,
        );
      }
    });

    it('refuses a missing or wrong key, another tenant’s key, and answers 404 for non-members', async () => {
      expect((await get(`/v1/organizations/${organizationId}/users/${annId}/roles`)).status).toBe(401);
      expect((await get(`/v1/organizations/${organizationId}/users/${annId}/roles`, 'sk_wrong_key')).status).toBe(401);
      const { createOrganization } = await graphqlOk(
        service.url,
        PLATFORM_KEY,
        'mutation { createOrganization(input: { name: "Other Tenant" }) { id } }',
      );
      const { secret: foreignKey } = await createApiKey(service.url, createOrganization.id, ['roles:read']);
      const foreign = await get(`/v1/organizations/${organizationId}/users/${annId}/roles`, foreignKey);
      expect(foreign.status).toBe(403);
      expect(await foreign.text()).not.toContain('admin');
      expect((await get(`/v1/organizations/${organizationId}/users/00000000-0000-4000-8000-000000000000/roles`, rolesKey)).status).toBe(
        404,
      );
      expect((await get(`/v1/organizations/${organizationId}/roles?email=nobody@acme-sso-test.com`, rolesKey)).status).toBe(404);
      expect((await get(`/v1/organizations/${organizationId}/users/not-a-uuid/roles`, rolesKey)).status).toBe(400);
    });
  });

  it('finishes a login on a second instance and sees a connection update made on the first at once', async () => {
    // Instances behind one load balancer share PUBLIC_URL, hence the redirect URI.
    const second = await startTestApp({
      database: service.database,
      env: { ENTRA_AUTHORITY: entra.origin, APP_URL: `${APP_ORIGIN}/home`, PUBLIC_URL: service.url },
    });
    try {
      const browser = new TestBrowser();
      const initiate = await browser.get(`${service.url}/sso/initiate/${entraConnectionId}`);
      const callbackUrl = new URL(await entra.signIn(initiate.headers.get('location')!, 'ann'));
      const onSecond = await browser.get(`${second.url}${callbackUrl.pathname}${callbackUrl.search}`);
      expect(onSecond.status).toBe(302);
      expect((await fetch(`${second.url}/auth/me`, { headers: { authorization: `Bearer ${browser.cookie('sso_session')}` } })).status).toBe(
        200,
      );

      await browser.get(`${second.url}/sso/initiate/${entraConnectionId}`);
      await graphqlOk(
        service.url,
        PLATFORM_KEY,
        'mutation($id: ID!) { updateConnection(id: $id, input: { scopes: ["openid", "email", "profile", "offline_access"] }) { id } }',
        { id: entraConnectionId },
      );
      const afterUpdate = await browser.get(`${second.url}/sso/initiate/${entraConnectionId}`);
      expect(new URL(afterUpdate.headers.get('location')!).searchParams.get('scope')).toBe('openid email profile offline_access');
    } finally {
      await graphqlOk(
        service.url,
        PLATFORM_KEY,
        'mutation($id: ID!) { updateConnection(id: $id, input: { scopes: ["openid", "email", "profile"] }) { id } }',
        { id: entraConnectionId },
      );
      await second.close();
    }
  });

  it('rate-limits /sso/* per client IP with a clear 429', async () => {
    const limited = await startTestApp({ database: service.database, env: { SSO_RATE_LIMIT_PER_MINUTE: '3' } });
    try {
      const statuses: number[] = [];
      // An address of its own: the counts live in the database this file's other instance shares.
      const headers = { 'x-forwarded-for': '192.0.2.77' };
      for (let attempt = 0; attempt < 5; attempt++) {
        statuses.push((await fetch(`${limited.url}/sso/discover?email=a@acme-sso-test.com`, { redirect: 'manual', headers })).status);
      }
      expect(statuses).toEqual([302, 302, 302, 429, 429]);
      const refused = await fetch(`${limited.url}/sso/discover?email=a@acme-sso-test.com`, { redirect: 'manual', headers });
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(((await refused.json()) as { error: string }).error).toBe('rate_limited');
    } finally {
      await limited.close();
    }
  });

  it('counts a whole sign-in once against the per-IP limit: the callback spends the state its initiate paid for', async () => {
    // Behind the first instance's address (the redirect URI the IdP knows), as a second instance behind one proxy.
    const limited = await startTestApp({ database: service.database, env: { SSO_RATE_LIMIT_PER_MINUTE: '2', PUBLIC_URL: service.url } });
    try {
      const headers = { 'x-forwarded-for': '192.0.2.78', accept: 'application/json' };
      const callbacks: number[] = [];
      for (let attempt = 0; attempt < 2; attempt++) {
        const browser = new TestBrowser();
        const initiate = await browser.get(`${limited.url}/sso/initiate/${entraConnectionId}`, headers);
        expect(initiate.status).toBe(302);
        const callbackUrl = new URL(await entra.signIn(initiate.headers.get('location')!, 'ann'));
        callbacks.push((await browser.get(`${limited.url}${callbackUrl.pathname}${callbackUrl.search}`, headers)).status);
      }
      expect(callbacks).toEqual([302, 302]);
      // The two initiates spent the limit: a third sign-in is refused at its start.
      expect((await fetch(`${limited.url}/sso/initiate/${entraConnectionId}`, { redirect: 'manual', headers })).status).toBe(429);
    } finally {
      await limited.close();
    }
  });

  it('signs in with DATABASE_PREPARED_STATEMENTS=false too (a pooler that cannot keep named statements)', async () => {
    const unnamed = await startTestApp({
      database: service.database,
      env: { DATABASE_PREPARED_STATEMENTS: 'false', PUBLIC_URL: service.url },
    });
    try {
      const browser = new TestBrowser();
      const initiate = await browser.get(`${unnamed.url}/sso/initiate/${entraConnectionId}`);
      expect(initiate.status).toBe(302);
      const callbackUrl = new URL(await entra.signIn(initiate.headers.get('location')!, 'ann'));
      expect((await browser.get(`${unnamed.url}${callbackUrl.pathname}${callbackUrl.search}`)).status).toBe(302);
      const me = await fetch(`${unnamed.url}/auth/me`, { headers: { authorization: `Bearer ${browser.cookie('sso_session')}` } });
      expect(((await me.json()) as { user: { email: string } }).user.email).toBe('ann@acme-sso-test.com');
    } finally {
      await unnamed.close();
    }
  });

  describe('members, by hand and across logins', () => {
    const userIdOf = (browser: TestBrowser) => decodeJwt(browser.cookie('sso_session')!).sub!;
    const rolesAt = async (browser: TestBrowser) =>
      ((await (await browser.get(`${service.url}/auth/me`)).json()) as { roles: string[] }).roles;

    it('applies group mappings at every login: a group removed at the IdP removes its role', async () => {
      entra.setAccount({ sub: 'gus', email: 'gus@acme-sso-test.com', email_verified: true, groups: ['grp-admins'] });
      const first = new TestBrowser();
      await login(first, entraConnectionId, entraSignIn('gus'));
      expect(await rolesAt(first)).toEqual(['admin']);
      entra.setAccount({ sub: 'gus', email: 'gus@acme-sso-test.com', email_verified: true, groups: [] });
      const second = new TestBrowser();
      await login(second, entraConnectionId, entraSignIn('gus'));
      expect(await rolesAt(second)).toEqual(['editor']);
    });

    it('keeps roles set by hand over the IdP’s groups until they are cleared, and audits the change', async () => {
      entra.setAccount({ sub: 'hal', email: 'hal@acme-sso-test.com', email_verified: true, groups: ['grp-admins'] });
      const browser = new TestBrowser();
      await login(browser, entraConnectionId, entraSignIn('hal'));
      const userId = userIdOf(browser);
      const setRoles = 'mutation($input: SetMemberRolesInput!) { setMemberRoles(input: $input) { roles resources } }';
      expect(
        (
          await graphqlOk(service.url, PLATFORM_KEY, setRoles, {
            input: { organizationId, userId, roles: ['viewer'], resources: ['project-1'] },
          })
        ).setMemberRoles,
      ).toEqual({
        roles: ['viewer'],
        resources: ['project-1'],
      });
      const again = new TestBrowser();
      await login(again, entraConnectionId, entraSignIn('hal'));
      expect(await rolesAt(again)).toEqual(['viewer']);
      await graphqlOk(service.url, PLATFORM_KEY, setRoles, { input: { organizationId, userId, roles: null } });
      const third = new TestBrowser();
      await login(third, entraConnectionId, entraSignIn('hal'));
      expect(await rolesAt(third)).toEqual(['admin']);
      const { auditEvents } = await graphqlOk(
        service.url,
        PLATFORM_KEY,
        'query($id: ID!) { auditEvents(organizationId: $id, first: 100) { action targetId } }',
        { id: organizationId },
      );
      expect(auditEvents).toEqual(
        expect.arrayContaining([
          { action: 'member.roles_changed', targetId: userId },
          { action: 'user.provisioned', targetId: userId },
        ]),
      );
    });

    it('takes names from the IdP at every login, the email only for the same identity and only when free, and records each login on the identity', async () => {
      const me = async (browser: TestBrowser) =>
        (await (await browser.get(`${service.url}/auth/me`)).json()) as {
          user: { email: string; firstName: string | null; lastName: string | null };
        };
      entra.setAccount({
        sub: 'kim',
        email: 'kim@acme-sso-test.com',
        email_verified: true,
        given_name: 'Kim',
        family_name: 'Park',
        groups: ['grp-admins'],
      });
      const first = new TestBrowser();
      await login(first, entraConnectionId, entraSignIn('kim'));
      const userId = userIdOf(first);
      expect((await me(first)).user).toMatchObject({ email: 'kim@acme-sso-test.com', firstName: 'Kim', lastName: 'Park' });
      const [before] = await queryDatabase<{ last_login_at: Date }>(
        service.databaseUrl,
        'SELECT last_login_at FROM sso_identities WHERE user_id = $1',
        [userId],
      );

      // A returning login with nothing to change still records its groups and time on the identity.
      entra.setAccount({
        sub: 'kim',
        email: 'kim@acme-sso-test.com',
        email_verified: true,
        given_name: 'Kim',
        family_name: 'Park',
        groups: ['grp-admins', 'grp-new'],
      });
      await login(new TestBrowser(), entraConnectionId, entraSignIn('kim'));
      // Recorded after the login: awaited here, as the shutdown does.
      await service.app.get(ProvisioningService).identitiesTouched();
      const [touched] = await queryDatabase<{ last_login_at: Date; last_groups: string[] }>(
        service.databaseUrl,
        'SELECT last_login_at, last_groups FROM sso_identities WHERE user_id = $1',
        [userId],
      );
      expect(touched.last_groups).toEqual(['grp-admins', 'grp-new']);
      expect(touched.last_login_at.getTime()).toBeGreaterThan(before.last_login_at.getTime());

      // Another email of the same identity: the user follows it, and keeps the names the IdP no longer sends.
      entra.setAccount({
        sub: 'kim',
        email: 'kim.park@acme-sso-test.com',
        email_verified: true,
        family_name: 'Park-Lee',
        groups: ['grp-admins'],
      });
      const renamed = new TestBrowser();
      await login(renamed, entraConnectionId, entraSignIn('kim'));
      expect(userIdOf(renamed)).toBe(userId);
      expect((await me(renamed)).user).toMatchObject({ email: 'kim.park@acme-sso-test.com', firstName: 'Kim', lastName: 'Park-Lee' });

      // An email that another account of the organization has is refused with its own code, never merged.
      entra.setAccount({ sub: 'kim', email: 'ANN@acme-sso-test.com', email_verified: true, groups: ['grp-admins'] });
      const clash = new TestBrowser();
      const { callback } = await login(clash, entraConnectionId, entraSignIn('kim'));
      expect(callback.status).toBe(409);
      expect(await errorOf(callback)).toBe('email_in_use');
      // A browser is shown a page that says why.
      const initiate = await clash.get(`${service.url}/sso/initiate/${entraConnectionId}`);
      const page = await clash.get(await entra.signIn(initiate.headers.get('location')!, 'kim'), { accept: 'text/html' });
      expect(page.status).toBe(409);
      expect(await page.text()).toContain('another account here already uses');
      const accounts = await queryDatabase<{ id: string; email: string }>(
        service.databaseUrl,
        "SELECT id, email FROM users WHERE email IN ('kim.park@acme-sso-test.com', 'ann@acme-sso-test.com') ORDER BY email",
      );
      expect(accounts.map((account) => account.email)).toEqual(['ann@acme-sso-test.com', 'kim.park@acme-sso-test.com']);
      expect(accounts[1].id).toBe(userId);
    });

    it('reads a connection for a login exactly as the ORM would', async () => {
      const viaOrm = await service.app.get(DataSource).getRepository(Connection).findOneBy({ id: entraConnectionId });
      const forLogin = await service.app.get(ConnectionsService).findForLogin(entraConnectionId);
      expect(forLogin).toBeInstanceOf(Connection);
      expect(forLogin).toEqual(viaOrm);
      expect(await service.app.get(ConnectionsService).findForLogin('00000000-0000-4000-8000-000000000000')).toBeNull();
    });

    it('ends the sessions of a removed member', async () => {
      entra.setAccount({ sub: 'ivy', email: 'ivy@acme-sso-test.com', email_verified: true });
      const browser = new TestBrowser();
      await login(browser, entraConnectionId, entraSignIn('ivy'));
      expect((await browser.get(`${service.url}/auth/me`)).status).toBe(200);
      await graphqlOk(
        service.url,
        PLATFORM_KEY,
        'mutation($id: ID!, $userId: ID!) { removeMember(organizationId: $id, userId: $userId) }',
        { id: organizationId, userId: userIdOf(browser) },
      );
      expect((await browser.get(`${service.url}/auth/me`)).status).toBe(401);
    });

    it('lists pending invitations and revokes one', async () => {
      const { inviteUser } = await graphqlOk(
        service.url,
        PLATFORM_KEY,
        'mutation($id: ID!) { inviteUser(input: { organizationId: $id, email: "jo@acme-sso-test.com" }) { id } }',
        { id: organizationId },
      );
      const listed = await graphqlOk(service.url, PLATFORM_KEY, 'query($id: ID!) { invitations(organizationId: $id) { id email } }', {
        id: organizationId,
      });
      expect(listed.invitations).toEqual(expect.arrayContaining([{ id: inviteUser.id, email: 'jo@acme-sso-test.com' }]));
      expect(await graphqlOk(service.url, PLATFORM_KEY, 'mutation($id: ID!) { revokeInvitation(id: $id) }', { id: inviteUser.id })).toEqual(
        { revokeInvitation: true },
      );
      const after = await graphqlOk(service.url, PLATFORM_KEY, 'query($id: ID!) { invitations(organizationId: $id) { id } }', {
        id: organizationId,
      });
      expect(after.invitations).not.toContainEqual({ id: inviteUser.id });
    });
  });
});
