import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser } from 'playwright-core';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { TestApp } from './support/app';
import { launchChromium } from './support/chromium';
import { startOktaOrganization, type OktaOrganization } from './support/okta-organization';

describe('signing in with a real browser', () => {
  let okta: OktaOrganization;
  let service: TestApp;
  let browser: Browser;
  let connectionId: string;

  beforeAll(async () => {
    okta = await startOktaOrganization({ name: 'Browser Test', domain: 'browser-test-example.com', clientId: 'browser-app' });
    ({ service, connectionId } = okta);
    browser = await launchChromium();
  }, 60000);

  afterAll(async () => {
    await browser?.close();
    await okta?.close();
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
