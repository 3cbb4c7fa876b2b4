import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { PLATFORM_KEY, startTestApp, type TestApp } from './support/app';
import { graphqlOk } from './support/graphql';
import type { TestDatabase } from './support/database';
import { startTestIdp, type TestIdp } from './support/test-idp';
import { TestDnsServer } from './support/dns-server';
import { launchChromium } from './support/chromium';

const DOMAIN = 'globex-portal-example.com';
const ADMIN = { sub: 'hank', email: `hank@${DOMAIN}`, password: 'portal pass 1', groups: ['Engineering'] };

/**
 * The IT admin's whole walk through the portal in a real browser, against the test IdP and the
 * test DNS server. Screenshots of each step go to docs/setup-portal/ with UPDATE_SCREENSHOTS=1
 * (how the committed ones were made), otherwise to a temporary folder.
 */
describe('the setup portal in a real browser', () => {
  let service: TestApp & { database: TestDatabase };
  let idp: TestIdp;
  let dns: TestDnsServer;
  let browser: Browser;
  let organizationId: string;
  const shots = process.env.UPDATE_SCREENSHOTS
    ? join(process.cwd(), 'docs', 'setup-portal')
    : mkdtempSync(join(tmpdir(), 'setup-portal-shots-'));
  /** What a person does in the portal: clicks and typed fields, counted as the test does them. */
  const effort = { clicks: 0, fields: 0, portalMs: 0 };

  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    dns = await TestDnsServer.start();
    dns.addZone(DOMAIN);
    idp = await startTestIdp({
      flavour: 'okta',
      title: 'Globex Okta',
      accounts: [
        {
          sub: ADMIN.sub,
          email: ADMIN.email,
          email_verified: true,
          given_name: 'Hank',
          family_name: 'Scorpio',
          groups: ADMIN.groups,
          password: ADMIN.password,
        },
      ],
    });
    service = await startTestApp({ env: { DNS_SERVERS: dns.address } });
    ({
      createOrganization: { id: organizationId },
    } = await graphqlOk(service.url, PLATFORM_KEY, 'mutation { createOrganization(input: { name: "Globex" }) { id } }'));
    browser = await launchChromium();
  }, 60000);

  afterAll(async () => {
    await browser?.close();
    await service?.close();
    await service?.database.drop();
    await idp?.close();
    await dns?.close();
    if (!process.env.UPDATE_SCREENSHOTS) rmSync(shots, { recursive: true, force: true });
  });

  /** Time spent on the portal's own pages: from a click to the next page being shown. */
  async function portalClick(page: Page, name: RegExp | string, kind: 'button' | 'link' | 'radio' = 'button'): Promise<void> {
    const started = performance.now();
    await page.getByRole(kind, { name }).first().click();
    await page.waitForLoadState('load');
    effort.portalMs += performance.now() - started;
    effort.clicks += 1;
  }

  async function fill(page: Page, label: RegExp | string, value: string): Promise<void> {
    await page.getByLabel(label, { exact: typeof label === 'string' }).fill(value);
    effort.fields += 1;
  }

  async function signInAtIdp(page: Page): Promise<void> {
    await page.getByLabel(/username/i).fill(ADMIN.email);
    await page.getByLabel(/password/i).fill(ADMIN.password);
    await page.click('#sign-in');
    await page.waitForLoadState('load');
  }

  it('takes an IT admin from the link to a required, working SSO', async () => {
    const { createSetupLink } = await graphqlOk(
      service.url,
      PLATFORM_KEY,
      'mutation($id: ID!) { createSetupLink(organizationId: $id) { url } }',
      { id: organizationId },
    );
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(createSetupLink.url);
    await page.screenshot({ path: join(shots, '01-link.png'), fullPage: true });
    await portalClick(page, 'Start the setup');
    await expect(page.getByRole('heading', { name: 'Overview' }).isVisible()).resolves.toBe(true);
    await page.screenshot({ path: join(shots, '02-overview.png'), fullPage: true });

    // 1. Domains: add, publish the TXT record shown, check.
    await portalClick(page, /Domains/, 'link');
    await fill(page, 'Domain', DOMAIN);
    await portalClick(page, 'Add domain');
    const recordName = await page.locator('code').filter({ hasText: '_sso-challenge' }).first().textContent();
    const recordValue = await page.locator('tr', { hasText: DOMAIN }).locator('code').nth(2).textContent();
    expect(recordName).toBe(`_sso-challenge.${DOMAIN}`);
    await page.screenshot({ path: join(shots, '03-domains-pending.png'), fullPage: true });
    dns.publishTxt(recordName!, recordValue!);
    await portalClick(page, 'Check now');
    await expect(page.getByRole('status').textContent()).resolves.toContain('is verified');
    await page.screenshot({ path: join(shots, '04-domains-verified.png'), fullPage: true });

    // 2. Identity provider: Okta, its guide, a wrong secret first.
    await portalClick(page, /Identity provider/, 'link');
    await page.getByRole('radio', { name: 'Okta' }).check();
    effort.clicks += 1;
    await portalClick(page, 'Show the guide');
    const redirectUri = await page.locator('p', { hasText: 'Redirect URI' }).locator('code').textContent();
    expect(redirectUri).toMatch(new RegExp(`^${service.url}/sso/callback/`));
    await page.screenshot({ path: join(shots, '05-identity-provider-guide.png'), fullPage: true });
    // What the IT admin does at Okta: an app with this redirect URI, and its client id and secret.
    idp.registerClient({ clientId: 'globex-app', clientSecret: 'the-right-secret', redirectUris: [redirectUri!] });
    await fill(page, 'Okta domain', idp.origin);
    await fill(page, 'Client ID', 'globex-app');
    await fill(page, /^Client secret( \(optional\))?$/, 'a-wrong-secret');
    await fill(page, /^Client secret expires on/, '2027-06-30');
    await portalClick(page, 'Save connection');

    // 3. Test sign-in: it fails on the wrong secret and says so.
    await portalClick(page, 'Run a test sign-in');
    await signInAtIdp(page);
    await expect(page.locator('h1').textContent()).resolves.toContain('needs attention');
    await portalClick(page, 'Back to the setup', 'link');
    await expect(page.locator('h3.bad').textContent()).resolves.toContain('failed');
    await expect(page.locator('main').textContent()).resolves.toContain('token_exchange_failed');
    await page.screenshot({ path: join(shots, '06-test-failed.png'), fullPage: true });

    // Fix the secret, test again.
    await portalClick(page, /Identity provider/, 'link');
    await fill(page, /^Client secret( \(optional\))?$/, 'the-right-secret');
    await portalClick(page, 'Save changes');
    await portalClick(page, 'Run a test sign-in');
    await signInAtIdp(page);
    await expect(page.locator('h1').textContent()).resolves.toContain('works');
    await portalClick(page, 'Back to the setup', 'link');
    await expect(page.locator('h3.ok').textContent()).resolves.toContain('worked');
    await page.screenshot({ path: join(shots, '07-test-worked.png'), fullPage: true });

    // 4. Groups and roles.
    await portalClick(page, /Groups and roles/, 'link');
    await fill(page, 'Group', 'Engineering');
    await page.getByLabel('Role', { exact: true }).selectOption('admin');
    effort.fields += 1;
    await portalClick(page, 'Add mapping');
    await page.screenshot({ path: join(shots, '08-roles.png'), fullPage: true });

    // 5. Require SSO.
    await portalClick(page, /Require SSO/, 'link');
    await portalClick(page, 'Require SSO');
    await expect(page.getByRole('status').textContent()).resolves.toContain('SSO is now required');
    await portalClick(page, /Overview/, 'link');
    await expect(page.locator('main').textContent()).resolves.toContain('Everything is set up');
    await page.screenshot({ path: join(shots, '09-done.png'), fullPage: true });
    await context.close();

    // A person of Globex now signs in for real, with the mapped role.
    const employee = await browser.newContext();
    const login = await employee.newPage();
    await login.goto(`${service.url}/sso/discover?email=${encodeURIComponent(ADMIN.email)}`);
    await signInAtIdp(login);
    await login.waitForURL(`${service.url}/auth/me`);
    expect(JSON.parse((await login.textContent('body'))!)).toMatchObject({
      user: { email: ADMIN.email },
      organization: { id: organizationId },
      roles: ['admin'],
    });
    await employee.close();

    const audit = await graphqlOk(
      service.url,
      PLATFORM_KEY,
      'query($id: ID!) { auditEvents(organizationId: $id, first: 100) { action actor } }',
      { id: organizationId },
    );
    const portalChanges = audit.auditEvents.filter(
      (event: { action: string }) =>
        !event.action.startsWith('setup_link.') &&
        event.action !== 'organization.created' &&
        !event.action.startsWith('user.') &&
        !event.action.startsWith('login.'),
    );
    expect(portalChanges.length).toBeGreaterThanOrEqual(5);
    expect(portalChanges.every((event: { actor: string }) => event.actor.startsWith('setup_link:'))).toBe(true);

    process.stdout.write(
      `setup portal walk-through: ${effort.clicks} clicks, ${effort.fields} fields, ${Math.round(effort.portalMs)} ms on the portal's pages\n`,
    );
    expect(effort.portalMs).toBeLessThan(5 * 60_000);
  }, 120000);
});
