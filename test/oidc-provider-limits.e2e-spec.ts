import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PLATFORM_KEY, startTestApp, type TestApp } from './support/app';
import { graphqlOk } from './support/graphql';
import { addVerifiedDomain } from './support/domains';
import type { TestDatabase } from './support/database';
import { startTestIdp, type TestIdp } from './support/test-idp';
import { TestBrowser } from './support/browser';
import { RelyingParty } from './support/relying-party';

const APP = 'https://app.op-limits-test.example';
/**
 * Small limits, each met by one test; the app's own sign-ins come from addresses of their own, and
 * its code exchanges from loopback stay under them.
 */
const LIMITS = {
  OIDC_TOKEN_RATE_LIMIT_PER_MINUTE: '6',
  OIDC_TOKEN_RATE_LIMIT_PER_CLIENT_PER_MINUTE: '3',
  OIDC_AUTHORIZATION_RATE_LIMIT_PER_MINUTE: '6',
  OIDC_INTERACTION_RATE_LIMIT_PER_MINUTE: '5',
};

/**
 * The OpenID Provider's rate limits (per client IP on the token, authorization and sign-in
 * pages, per application on the token endpoint). They are counted in the store every instance
 * shares, as shared-rate-limits.e2e-spec.ts shows with two instances.
 */
describe('the OpenID Provider’s rate limits', () => {
  let service: TestApp & { database: TestDatabase };
  let idp: TestIdp;
  let application: { clientId: string; clientSecret: string };
  let issuer: string;
  let address = 0;
  /** A client address of each test's own (X-Forwarded-For is believed from loopback). */
  const newAddress = () => `203.0.113.${++address}`;

  const tokenRequest = (ip: string, form: Record<string, string>, headers: Record<string, string> = {}, path = '/token') =>
    fetch(`${issuer}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': ip, ...headers },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: 'no-such-code', redirect_uri: `${APP}/callback`, ...form }),
    });
  const basic = (clientId: string, secret: string) => ({
    authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`,
  });
  const page = (url: string, ip: string, init: RequestInit = {}) =>
    fetch(url, { ...init, redirect: 'manual', headers: { accept: 'text/html', 'x-forwarded-for': ip, ...init.headers } });

  async function createApplication(name: string) {
    const { createApplication } = await graphqlOk(
      service.url,
      PLATFORM_KEY,
      'mutation($input: CreateApplicationInput!) { createApplication(input: $input) { clientSecret application { clientId } } }',
      { input: { name, redirectUris: [`${APP}/callback`] } },
    );
    return { clientId: createApplication.application.clientId as string, clientSecret: createApplication.clientSecret as string };
  }

  /** A whole sign-in through the provider, from an address of its own: the app's callback URL with the code. */
  async function codeFor(rp: RelyingParty) {
    const login = await rp.start({ login_hint: 'lee@limits-op-test.com' });
    const browser = new TestBrowser();
    const ip = newAddress();
    let url = login.url;
    for (let hop = 0; hop < 10 && !url.startsWith(APP); hop++) {
      if (url.startsWith(idp.origin)) {
        url = await idp.signIn(url, 'lee');
        continue;
      }
      const response = await browser.get(url, { 'x-forwarded-for': ip });
      const location = response.headers.get('location');
      if (!location) throw new Error(`no redirect from ${url}: ${response.status} ${await response.text()}`);
      url = new URL(location, url).href;
    }
    return { login, callbackUrl: url };
  }

  beforeAll(async () => {
    idp = await startTestIdp({ accounts: [{ sub: 'lee', email: 'lee@limits-op-test.com', email_verified: true }] });
    service = await startTestApp({ env: LIMITS });
    issuer = `${service.url}/oidc`;
    const { createOrganization } = await graphqlOk(
      service.url,
      PLATFORM_KEY,
      'mutation { createOrganization(input: { name: "Limits OP" }) { id } }',
    );
    await addVerifiedDomain(service.url, createOrganization.id, 'limits-op-test.com');
    const { createConnection } = await graphqlOk(
      service.url,
      PLATFORM_KEY,
      'mutation($input: CreateConnectionInput!) { createConnection(input: $input) { redirectUri } }',
      {
        input: {
          organizationId: createOrganization.id,
          type: 'GENERIC_OIDC',
          discoveryUrl: idp.discoveryUrl,
          clientId: 'limits-op',
          clientSecret: 'limits-op-secret',
        },
      },
    );
    idp.registerClient({ clientId: 'limits-op', clientSecret: 'limits-op-secret', redirectUris: [createConnection.redirectUri] });
    application = await createApplication('Limited');
  });

  afterAll(async () => {
    await service?.close();
    await service?.database.drop();
    await idp?.close();
  });

  it('lets an address make 6 token requests a minute, then answers 429 with Retry-After and an OAuth error', async () => {
    const ip = newAddress();
    const statuses: number[] = [];
    for (let index = 0; index < 6; index++) {
      statuses.push((await tokenRequest(ip, { client_id: 'no-such-app', client_secret: 'guess' })).status);
    }
    expect(statuses).toEqual(Array(6).fill(401));
    const refused = await tokenRequest(ip, { client_id: 'no-such-app', client_secret: 'guess' });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.headers.get('cache-control')).toBe('no-store');
    expect(await refused.json()).toEqual({
      error: 'invalid_request',
      error_description: expect.stringMatching(/^too many token requests from this address; try again in \d+ seconds$/),
    });
    expect((await tokenRequest(newAddress(), { client_id: 'no-such-app', client_secret: 'guess' })).status).toBe(401);
  });

  it('lets an application make 3 token requests a minute from anywhere; strangers naming its client id spend none of them', async () => {
    const rp = await RelyingParty.discover(issuer, { ...application, redirectUri: `${APP}/callback` }, { auth: 'post' });
    for (let index = 0; index < 5; index++) {
      const stranger = await tokenRequest(newAddress(), {}, basic(application.clientId, 'not-the-secret'));
      expect(stranger.status).toBe(401);
    }
    const first = await codeFor(rp);
    await expect(rp.finish(first.callbackUrl, first.login)).resolves.toHaveProperty('id_token');
    for (const ip of [newAddress(), newAddress()]) {
      const answer = await tokenRequest(ip, {}, basic(application.clientId, application.clientSecret));
      expect(answer.status).toBe(400);
      expect(await answer.json()).toMatchObject({ error: 'invalid_grant' });
    }

    const fourth = await codeFor(rp);
    await expect(rp.finish(fourth.callbackUrl, fourth.login)).rejects.toMatchObject({
      status: 429,
      error: 'invalid_request',
      error_description: expect.stringMatching(/^too many token requests for this client; try again in \d+ seconds$/),
    });
    const fromElsewhere = await tokenRequest(newAddress(), {}, basic(application.clientId, application.clientSecret));
    expect(fromElsewhere.status).toBe(429);
    expect(Number(fromElsewhere.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('counts only requests of the application itself: 2×limit strangers naming its client id, by any means, spend none of its budget', async () => {
    const victim = await createApplication('Victim');
    // An unsigned attestation naming the app: oidc-provider looked the client up before refusing it.
    const subject = Buffer.from(JSON.stringify({ sub: victim.clientId })).toString('base64url');
    const byAttestation = { 'oauth-client-attestation': `eyJhbGciOiJub25lIn0.${subject}.` };
    let ip = '';
    const attempts: [string, () => Promise<Response>][] = [
      ['an attestation header', () => tokenRequest(ip, { client_id: victim.clientId }, byAttestation)],
      ['a wrong secret (Basic)', () => tokenRequest(ip, {}, basic(victim.clientId, 'not-the-secret'))],
      ['a wrong secret (in the body)', () => tokenRequest(ip, { client_id: victim.clientId, client_secret: 'not-the-secret' })],
      ['no secret', () => tokenRequest(ip, { client_id: victim.clientId })],
    ];
    const answers: Record<string, string[]> = {};
    for (const [means, attempt] of attempts) {
      ip = newAddress();
      answers[means] = [];
      for (let index = 0; index < 6; index++) {
        const answer = await attempt();
        answers[means].push(`${answer.status} ${((await answer.json()) as { error: string }).error}`);
      }
    }
    expect(answers).toEqual({
      'an attestation header': Array(6).fill('400 invalid_request'),
      'a wrong secret (Basic)': Array(6).fill('401 invalid_client'),
      'a wrong secret (in the body)': Array(6).fill('401 invalid_client'),
      'no secret': Array(6).fill('401 invalid_client'),
    });

    // Refused before the provider, even with the application's own credentials.
    const withAttestation = await tokenRequest(newAddress(), {}, { ...basic(victim.clientId, victim.clientSecret), ...byAttestation });
    expect(withAttestation.status).toBe(400);
    expect(await withAttestation.json()).toEqual({
      error: 'invalid_request',
      error_description: 'attestation-based client authentication is not supported',
    });

    // The application's whole budget is left: its real code exchange, two more requests, then 429.
    const rp = await RelyingParty.discover(issuer, { ...victim, redirectUri: `${APP}/callback` });
    const { login, callbackUrl } = await codeFor(rp);
    await expect(rp.finish(callbackUrl, login)).resolves.toHaveProperty('id_token');
    for (const from of [newAddress(), newAddress()]) {
      expect((await tokenRequest(from, {}, basic(victim.clientId, victim.clientSecret))).status).toBe(400);
    }
    expect((await tokenRequest(newAddress(), {}, basic(victim.clientId, victim.clientSecret))).status).toBe(429);
  });

  it('counts the token endpoint however its path is spelt: letters in any case, a trailing slash', async () => {
    const ip = newAddress();
    const statuses: number[] = [];
    for (const path of ['/TOKEN', '/token/', '/Token', '/TOKEN/', '/token/', '/TOKEN']) {
      statuses.push((await tokenRequest(ip, { client_id: 'no-such-app', client_secret: 'guess' }, {}, path)).status);
    }
    // Served as the token endpoint (an unknown client is refused with 401), and counted as such.
    expect(statuses).toEqual(Array(6).fill(401));
    for (const path of ['/token', '/TOKEN', '/token/']) {
      expect((await tokenRequest(ip, { client_id: 'no-such-app', client_secret: 'guess' }, {}, path)).status).toBe(429);
    }
  });

  it('counts the authorization endpoint however its path is spelt: letters in any case, a trailing slash', async () => {
    const ip = newAddress();
    const query = '?client_id=no-such-app&response_type=code&scope=openid';
    const statuses: number[] = [];
    for (const path of ['/Auth', '/AUTH', '/auth/', '/Auth/', '/aUtH', '/Auth'])
      statuses.push((await page(`${issuer}${path}${query}`, ip)).status);
    // Served as the authorization endpoint (an unknown client is refused with 400), and counted as such.
    expect(statuses).toEqual(Array(6).fill(400));
    for (const path of ['/auth', '/Auth', '/AUTH/']) expect((await page(`${issuer}${path}${query}`, ip)).status).toBe(429);
  });

  it('lets an address make 6 authorization requests a minute, then shows a 429 page with Retry-After', async () => {
    const ip = newAddress();
    const authorize = `${issuer}/auth?client_id=no-such-app&response_type=code&scope=openid`;
    const statuses: number[] = [];
    for (let index = 0; index < 6; index++) statuses.push((await page(authorize, ip)).status);
    expect(statuses).toEqual(Array(6).fill(400));
    const refused = await page(authorize, ip);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await refused.text();
    expect(html).toContain('<h1>Too many sign-in requests</h1>');
    expect(html).toContain('<code>rate_limited</code>');
    expect((await page(authorize, newAddress())).status).toBe(400);
  });

  it('lets an address open the sign-in pages 5 times a minute, the work-email form included, then shows a 429 page', async () => {
    const ip = newAddress();
    const interaction = `${issuer}/interaction/no-such-interaction`;
    const email = () =>
      page(`${interaction}/email`, ip, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'email=lee%40limits-op-test.com',
      });
    const statuses = [(await page(interaction, ip)).status, (await email()).status, (await page(`${interaction}/continue`, ip)).status];
    statuses.push((await email()).status, (await email()).status);
    expect(statuses).toEqual(Array(5).fill(400));
    const refused = await email();
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.text()).toContain('<h1>Too many sign-in requests</h1>');
    const asJson = await fetch(interaction, { headers: { accept: 'application/json', 'x-forwarded-for': ip } });
    expect(asJson.status).toBe(429);
    expect(await asJson.json()).toMatchObject({ error: 'rate_limited' });
  });
});
