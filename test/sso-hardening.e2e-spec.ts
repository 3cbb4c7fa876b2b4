import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PLATFORM_KEY, startTestApp, type TestApp } from './support/app';
import { graphqlOk } from './support/graphql';
import { queryDatabase, type TestDatabase } from './support/database';
import { startTestIdp, type TestIdp } from './support/test-idp';
import { TestBrowser } from './support/browser';
import { addVerifiedDomain } from './support/domains';
import { connectTestIdp } from './support/fixtures';

const DOMAIN = 'hardening-sso-test.com';

/**
 * The edges of a login an attacker reaches without signing in: return targets that would chain
 * into another login, and callback URLs seen by someone without the login's browser.
 */
describe('SSO login edges', () => {
  let service: TestApp & { database: TestDatabase };
  let idp: TestIdp;
  let connectionId: string;
  let otherConnectionId: string;

  /** Initiate in `browser`, sign in at the IdP: the callback URL the IdP sends the browser to. */
  async function callbackUrlFor(browser: TestBrowser, query = ''): Promise<string> {
    const initiate = await browser.get(`${service.url}/sso/initiate/${connectionId}${query}`);
    expect(initiate.status).toBe(302);
    return idp.signIn(initiate.headers.get('location')!, 'hana');
  }

  beforeAll(async () => {
    idp = await startTestIdp({ accounts: [{ sub: 'hana', email: `hana@${DOMAIN}`, email_verified: true }] });
    // APP_URL defaults to PUBLIC_URL/auth/me: the service's own origin is an allowed return origin.
    service = await startTestApp();
    const { createOrganization } = await graphqlOk(
      service.url,
      PLATFORM_KEY,
      'mutation { createOrganization(input: { name: "Hardening" }) { id } }',
    );
    await addVerifiedDomain(service.url, createOrganization.id, DOMAIN);
    connectionId = await connectTestIdp(service.url, idp, createOrganization.id, 'hardening-app');
    const { createOrganization: other } = await graphqlOk(
      service.url,
      PLATFORM_KEY,
      'mutation { createOrganization(input: { name: "Other Hardening" }) { id } }',
    );
    otherConnectionId = await connectTestIdp(service.url, idp, other.id, 'other-hardening-app');
  });

  afterAll(async () => {
    await service.close();
    await service.database.drop();
    await idp.close();
  });

  describe('return targets', () => {
    it.each([
      ['another connection’s initiate URI', (url: string, other: string) => `${url}/sso/initiate/${other}`],
      ['it in upper case', (url: string, other: string) => `${url}/SSO/Initiate/${other}`],
      ['it percent-encoded', (url: string, other: string) => `${url}/%73so/initiate/${other}`],
      ['it percent-encoded twice', (url: string, other: string) => `${url}/%2573so/initiate/${other}`],
      ['it behind a double slash', (url: string, other: string) => `${url}//sso/initiate/${other}`],
      ['it behind an encoded dot-dot', (url: string, other: string) => `${url}/auth/%2e%2e/sso/initiate/${other}`],
      ['it behind an encoded slash and dot-dot', (url: string, other: string) => `${url}/auth/..%2fsso/initiate/${other}`],
      ['discovery', (url: string) => `${url}/sso/discover?email=x@${DOMAIN}`],
      ['the OpenID Provider', (url: string) => `${url}/oidc/auth?client_id=x`],
      ['a magic link', (url: string) => `${url}/auth/magic-link/verify?token=x`],
    ])('never ends a login at %s, but at APP_URL', async (_name, target) => {
      const browser = new TestBrowser();
      const returnTo = target(service.url, otherConnectionId);
      const callback = await browser.get(await callbackUrlFor(browser, `?return_to=${encodeURIComponent(returnTo)}`));
      expect(callback.status).toBe(302);
      expect(callback.headers.get('location')).toBe(`${service.url}/auth/me`);
    });

    it('still returns to the service’s other pages and, through target_link_uri, alike', async () => {
      const browser = new TestBrowser();
      const callback = await browser.get(
        await callbackUrlFor(browser, `?target_link_uri=${encodeURIComponent(`${service.url}/auth/me?from=sso`)}`),
      );
      expect(callback.headers.get('location')).toBe(`${service.url}/auth/me?from=sso`);
    });
  });

  describe('login state', () => {
    it('is not used up by a callback opened without the login’s browser binding: the owner still finishes the login', async () => {
      const victim = new TestBrowser();
      const callbackUrl = await callbackUrlFor(victim);
      // Someone who saw the URL (a log, a Referer, a shoulder) opens it in another browser first.
      const stranger = await new TestBrowser().get(callbackUrl, { accept: 'application/json' });
      expect(stranger.status).toBe(400);
      expect(((await stranger.json()) as { error: string }).error).toBe('invalid_state');
      // ...or with a made-up binding cookie of the right name.
      const cookieName = victim.cookieNames().find((name) => name.startsWith('sso_login_'))!;
      const forged = await fetch(callbackUrl, {
        redirect: 'manual',
        headers: { accept: 'application/json', cookie: `${cookieName}=made-up-binding` },
      });
      expect(forged.status).toBe(400);
      expect(await queryDatabase(service.databaseUrl, 'SELECT count(*)::int AS states FROM login_states')).toEqual([{ states: 1 }]);

      const owner = await victim.get(callbackUrl, { accept: 'application/json' });
      expect(owner.status).toBe(302);
      expect((await victim.get(`${service.url}/auth/me`)).status).toBe(200);
      expect(await queryDatabase(service.databaseUrl, 'SELECT count(*)::int AS states FROM login_states')).toEqual([{ states: 0 }]);
    });

    it('is not used up by its callback on another connection', async () => {
      const victim = new TestBrowser();
      const callbackUrl = new URL(await callbackUrlFor(victim));
      const elsewhere = await fetch(`${service.url}/sso/callback/${otherConnectionId}${callbackUrl.search}`, {
        redirect: 'manual',
        headers: { accept: 'application/json' },
      });
      expect(((await elsewhere.json()) as { error: string }).error).toBe('invalid_state');
      expect((await victim.get(callbackUrl.href, { accept: 'application/json' })).status).toBe(302);
    });
  });
});
