import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser } from 'playwright-core';
import { launchChromium } from './support/chromium';
import { PLATFORM_KEY, type TestApp } from './support/app';
import { graphqlOk } from './support/graphql';
import { startOktaOrganization, type OktaOrganization } from './support/okta-organization';
import { startDemoApp, type DemoApp } from '../demo/app';

describe('an app signing people in through the service with a real browser', () => {
  let okta: OktaOrganization;
  let service: TestApp;
  let demoApp: DemoApp;
  let browser: Browser;

  beforeAll(async () => {
    okta = await startOktaOrganization({ name: 'OP Browser Test', domain: 'op-browser-example.com', clientId: 'op-browser' });
    service = okta.service;
    demoApp = await startDemoApp();
    const { createApplication } = await graphqlOk(
      service.url,
      PLATFORM_KEY,
      'mutation($input: CreateApplicationInput!) { createApplication(input: $input) { clientSecret application { clientId } } }',
      {
        input: {
          name: 'Demo app',
          redirectUris: [demoApp.redirectUri],
          postLogoutRedirectUris: [demoApp.postLogoutRedirectUri],
          initiateLoginUri: demoApp.initiateLoginUri,
        },
      },
    );
    await demoApp.connect({
      issuer: `${service.url}/oidc`,
      clientId: createApplication.application.clientId,
      clientSecret: createApplication.clientSecret,
    });
    browser = await launchChromium();
  }, 60000);

  afterAll(async () => {
    await browser?.close();
    await demoApp?.close();
    await okta?.close();
  });

  it('goes demo app → service (work email) → IdP login page → back in the app signed in with roles, then signs out of both', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(demoApp.origin);
    await page.click('#sign-in');
    await page.getByLabel(/work email/i).fill('dana@op-browser-example.com');
    await page.click('#continue');
    await page.getByLabel(/username/i).fill('dana@op-browser-example.com');
    await page.getByLabel(/password/i).fill('correct horse battery');
    await page.click('#sign-in');
    await page.waitForURL(`${demoApp.origin}/`);
    await expect(page.locator('#who').textContent()).resolves.toContain('dana@op-browser-example.com');
    await expect(page.locator('#roles').textContent()).resolves.toBe('admin');
    const me = await context.request.get(`${service.url}/auth/me`);
    expect(me.status()).toBe(200);

    await page.click('#sign-out');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${demoApp.origin}/`);
    await expect(page.locator('#sign-in').textContent()).resolves.toContain('Sign in');
    expect((await context.request.get(`${service.url}/auth/me`)).status()).toBe(401);
    await context.close();
  }, 60000);
});
