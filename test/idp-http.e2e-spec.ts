import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { IdpHttpClient } from '../src/connections/idp-http';
import { PLATFORM_KEY, startTestApp, type TestApp } from './support/app';
import { graphqlOk } from './support/graphql';
import type { TestDatabase } from './support/database';
import { startRogueIdp, type RogueIdp } from './support/rogue-idp';
import { TestBrowser } from './support/browser';
import { addVerifiedDomain } from './support/domains';
import { createConnection } from './support/fixtures';

/** Every call to an identity provider leaves through the one guarded HTTP client. */
describe('outbound calls to identity providers', () => {
  let service: TestApp & { database: TestDatabase };
  let rogue: RogueIdp;
  let organizationId: string;
  const calls: string[] = [];
  let restoreFetch: () => void;

  async function newConnection(): Promise<string> {
    const connection = await createConnection(service.url, {
      organizationId,
      type: 'GENERIC_OIDC',
      discoveryUrl: rogue.discoveryUrl,
      clientId: 'rogue-app',
      clientSecret: 'rogue-secret',
    });
    return connection.id;
  }

  async function login(connectionId: string): Promise<Response> {
    const browser = new TestBrowser();
    const initiate = await browser.get(`${service.url}/sso/initiate/${connectionId}`);
    return browser.get(await rogue.signIn(initiate.headers.get('location')!), { accept: 'application/json' });
  }

  beforeAll(async () => {
    rogue = await startRogueIdp();
    rogue.behaviour.claims = { sub: 'dora', email: 'dora@initrode-sso-test.com', email_verified: true };
    service = await startTestApp({ env: { IDP_TIMEOUT_MS: '1500' } });
    // Record what passes through the service's one IdP client (the instance every module shares).
    const http = service.app.get(IdpHttpClient);
    const guardedFetch = http.fetch;
    Object.defineProperty(http, 'fetch', {
      value: (url: string | URL, init?: RequestInit) => {
        calls.push(`${init?.method ?? 'GET'} ${new URL(url).pathname}`);
        return guardedFetch(url, init);
      },
      configurable: true,
    });
    restoreFetch = () => Object.defineProperty(http, 'fetch', { value: guardedFetch, configurable: true });
    organizationId = (await graphqlOk(service.url, PLATFORM_KEY, 'mutation { createOrganization(input: { name: "Initrode" }) { id } }'))
      .createOrganization.id;
    await addVerifiedDomain(service.url, organizationId, 'initrode-sso-test.com');
  });

  afterAll(async () => {
    restoreFetch();
    await service.close();
    await service.database.drop();
    await rogue.close();
  });

  it('sends discovery, JWKS, token and userinfo requests through IdpHttpClient', async () => {
    rogue.behaviour.claims = { sub: 'dora', email_verified: true };
    rogue.behaviour.userinfo = { sub: 'dora', email: 'dora@initrode-sso-test.com' };
    const connectionId = await newConnection();
    expect((await login(connectionId)).status).toBe(302);
    const idpPaths = rogue.requests.map((request) => request.path).filter((path) => !path.endsWith('/authorize'));
    expect(new Set(calls.map((call) => call.split(' ')[1]))).toEqual(new Set(idpPaths));
    expect(calls).toEqual(expect.arrayContaining(['GET /.well-known/openid-configuration', 'GET /jwks', 'POST /token']));
    expect(calls.some((call) => call.endsWith('/userinfo'))).toBe(true);
  });

  it('lets a slow, failing or vanished IdP fail only its own logins', async () => {
    rogue.behaviour.claims = { sub: 'dora', email: 'dora@initrode-sso-test.com', email_verified: true };
    const healthyConnection = await newConnection();
    const other = await startRogueIdp();
    other.behaviour.claims = { sub: 'otto', email: 'otto@initrode-sso-test.com', email_verified: true };
    const connection = await createConnection(service.url, {
      organizationId,
      type: 'GENERIC_OIDC',
      discoveryUrl: other.discoveryUrl,
      clientId: 'other-app',
      clientSecret: 'other-secret',
    });
    const startAtOther = async () => {
      const browser = new TestBrowser();
      const initiate = await browser.get(`${service.url}/sso/initiate/${connection.id}`);
      return { browser, callbackUrl: await other.signIn(initiate.headers.get('location')!) };
    };
    const errorOf = async (response: Response) => ({
      status: response.status,
      error: ((await response.json()) as { error: string }).error,
    });
    try {
      other.behaviour.tokenError = { status: 503, body: { error: 'temporarily_unavailable' } };
      const failing = await startAtOther();
      expect(await errorOf(await failing.browser.get(failing.callbackUrl, { accept: 'application/json' }))).toEqual({
        status: 424,
        error: 'token_exchange_failed',
      });

      other.behaviour.tokenError = undefined;
      other.behaviour.tokenDelayMs = 2_500;
      const slow = await startAtOther();
      const finished: string[] = [];
      const slowCallback = slow.browser.get(slow.callbackUrl, { accept: 'application/json' }).then((response) => {
        finished.push('slow IdP');
        return response;
      });
      const healthyCallback = login(healthyConnection).then((response) => {
        finished.push('healthy IdP');
        return response;
      });
      expect((await healthyCallback).status).toBe(302);
      expect(await errorOf(await slowCallback)).toEqual({ status: 424, error: 'token_exchange_failed' });
      expect(finished).toEqual(['healthy IdP', 'slow IdP']);

      other.behaviour.tokenDelayMs = undefined;
      const vanished = await startAtOther();
      await other.close();
      expect(await errorOf(await vanished.browser.get(vanished.callbackUrl, { accept: 'application/json' }))).toEqual({
        status: 424,
        error: 'token_exchange_failed',
      });
      expect((await login(healthyConnection)).status).toBe(302);
    } finally {
      await other.close().catch(() => undefined);
    }
  }, 30_000);

  it('refuses an oversized IdP response instead of reading it', async () => {
    rogue.behaviour.claims = { sub: 'dora', email_verified: true };
    rogue.behaviour.userinfo = { sub: 'dora', email: 'dora@initrode-sso-test.com', padding: 'x'.repeat(1_100_000) };
    try {
      const callback = await login(await newConnection());
      expect(callback.status).toBe(403);
      expect(((await callback.json()) as { error: string }).error).toBe('email_missing');
    } finally {
      rogue.behaviour.userinfo = undefined;
    }
  });
});
