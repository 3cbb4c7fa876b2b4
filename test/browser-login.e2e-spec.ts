import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser } from 'playwright-core';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { PLATFORM_KEY, startTestApp, type TestApp } from './support/app';
import { graphqlOk } from './support/graphql';
import type { TestDatabase } from './support/database';
import { startTestIdp, type TestIdp } from './support/test-idp';
import { launchChromium } from './support/chromium';
import { addVerifiedDomain } from './support/domains';

describe('signing in with a real browser', () => {
  let service: TestApp & { database: TestDatabase };
  let idp: TestIdp;
  let browser: Browser;
  let connectionId: string;

  beforeAll(async () => {
    idp = await startTestIdp({
      flavour: 'okta',
      title: 'Demo IdP',
      accounts: [
        {
          sub: 'dana',
          email: 'dana@browser-test-example.com',
          email_verified: true,
          given_name: 'Dana',
          family_name: 'Scully',
          groups: ['Engineering'],
          password: 'correct horse battery',
        },
      ],
    });
    service = await startTestApp();
    const { createOrganization } = await graphqlOk(
      service.url,
      PLATFORM_KEY,
      'mutation { createOrganization(input: { name: "Browser Test" }) { id } }',
    );
    await addVerifiedDomain(service.url, createOrganization.id, 'browser-test-example.com');
    const { createConnection } = await graphqlOk(
      service.url,
      PLATFORM_KEY,
      'mutation($input: CreateConnectionInput!) { createConnection(input: $input) { id redirectUri } }',
      {
        input: {
          organizationId: createOrganization.id,
          type: 'OKTA',
          oktaDomain: idp.origin,
          clientId: 'browser-app',
          clientSecret: 'browser-secret',
        },
      },
    );
    connectionId = createConnection.id;
    idp.registerClient({ clientId: 'browser-app', clientSecret: 'browser-secret', redirectUris: [createConnection.redirectUri] });
    await graphqlOk(service.url, PLATFORM_KEY, 'mutation($input: CreateRoleMappingInput!) { createRoleMapping(input: $input) { id } }', {
      input: { connectionId, idpGroupId: 'Engineering', role: 'admin' },
    });
    browser = await launchChromium();
  }, 60000);

  afterAll(async () => {
    await browser?.close();
    await service?.close();
    await service?.database.drop();
    await idp?.close();
  });

  it('clicks through the IdP’s login page and lands signed in with a session that verifies against the JWKS', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${service.url}/sso/initiate/${connectionId}`);
    await page.getByLabel(/username/i).fill('dana@browser-test-example.com');
    await page.getByLabel(/password/i).fill('correct horse battery');
    await page.click('#sign-in');
    await page.waitForURL(`${service.url}/auth/me`);
    const me = JSON.parse((await page.textContent('body'))!);
    expect(me).toMatchObject({ user: { email: 'dana@browser-test-example.com', firstName: 'Dana' }, roles: ['admin'] });
    const session = (await context.cookies()).find((cookie) => cookie.name === 'sso_session')!;
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax', secure: false });
    const { payload } = await jwtVerify(session.value, createRemoteJWKSet(new URL(`${service.url}/.well-known/jwks.json`)), {
      issuer: service.url,
    });
    expect(payload.roles).toEqual(['admin']);
    await context.close();
  }, 60000);

  it('shows a readable error page when the login state is gone', async () => {
    const page = await browser.newPage();
    const response = await page.goto(`${service.url}/sso/callback/${connectionId}?code=stolen&state=unknown`);
    expect(response!.status()).toBe(400);
    await expect(page.locator('h1').textContent()).resolves.toMatch(/expired or was already used/);
    expect(await page.content()).toContain('invalid_state');
    await page.close();
  });
});
