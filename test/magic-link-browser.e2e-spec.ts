import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { launchChromium } from './support/chromium';
import { PLATFORM_KEY, startTestApp, type TestApp } from './support/app';
import { graphqlOk } from './support/graphql';
import { queryDatabase, type TestDatabase } from './support/database';
import { magicLinkIn, startTestSmtpServer, type TestSmtpServer } from './support/smtp';
import { TestBrowser } from './support/browser';
import { addVerifiedDomain } from './support/domains';

const DOMAIN = 'browser-magic-test.com';

/** Magic links in Chromium: the page and its button work in a real browser, and another site cannot sign the browser in. */
describe('magic links in a real browser', () => {
  let service: TestApp & { database: TestDatabase };
  let smtp: TestSmtpServer;
  let browser: Browser;
  let attackerSite: Server;
  let attackerPage = '';

  async function linkFor(email: string): Promise<string> {
    const before = smtp.messages.length;
    const response = await fetch(`${service.url}/auth/magic-link`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email }),
    });
    expect(response.status).toBe(202);
    return magicLinkIn(await smtp.waitFor((mail) => smtp.messages.indexOf(mail) >= before && mail.to.includes(email)));
  }

  beforeAll(async () => {
    smtp = await startTestSmtpServer();
    service = await startTestApp({ env: { SMTP_URL: smtp.url } });
    const { createOrganization } = await graphqlOk(
      service.url,
      PLATFORM_KEY,
      'mutation { createOrganization(input: { name: "Browser Magic" }) { id } }',
    );
    await addVerifiedDomain(service.url, createOrganization.id, 'browser-magic-test.com');
    for (const email of [`vic@${DOMAIN}`, `mal@${DOMAIN}`]) {
      await graphqlOk(service.url, PLATFORM_KEY, 'mutation($input: InviteUserInput!) { inviteUser(input: $input) { id } }', {
        input: { organizationId: createOrganization.id, email },
      });
    }
    // Another site (localhost is not the same site as 127.0.0.1), serving whatever page the test sets.
    attackerSite = createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end(attackerPage));
    await new Promise<void>((resolve) => attackerSite.listen(0, '127.0.0.1', resolve));
    browser = await launchChromium();
  }, 60000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => attackerSite?.close(resolve));
    await service?.close();
    await service?.database.drop();
    await smtp?.close();
  });

  it('opens the link on a page that names the account, and signs in when its button is pressed', async () => {
    const link = await linkFor(`vic@${DOMAIN}`);
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(link);
    await expect(page.locator('h1').textContent()).resolves.toBe('Sign in to Browser Magic');
    expect(await page.textContent('body')).toContain(`vic@${DOMAIN}`);
    const confirmation = (await context.cookies()).find((cookie) => cookie.name.startsWith('magic_link_confirm_'))!;
    expect(confirmation).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect((await context.cookies()).some((cookie) => cookie.name === 'sso_session')).toBe(false);
    await page.click('button[type=submit]');
    await page.waitForURL(`${service.url}/auth/me`);
    expect(JSON.parse((await page.textContent('body'))!)).toMatchObject({ user: { email: `vic@${DOMAIN}` } });
    await context.close();
  }, 60000);

  it('does not sign a browser in to the attacker’s account from the attacker’s site', async () => {
    // The attacker opens their own link to learn the form, then hosts a page that posts it.
    const link = await linkFor(`mal@${DOMAIN}`);
    const attacker = new TestBrowser();
    const html = await (await attacker.get(link, { accept: 'text/html' })).text();
    const field = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)![1];
    attackerPage = `<!doctype html><form id="f" method="post" action="${service.url}/auth/magic-link/verify">
<input type="hidden" name="token" value="${field('token')}"><input type="hidden" name="confirmation" value="${field('confirmation')}"></form>
<script>document.getElementById('f').submit()</script>`;

    const context = await browser.newContext();
    const page = await context.newPage();
    // The victim even opened the attacker's link once (so this browser holds a cookie for it), but did not press the button.
    await page.goto(link);
    await page.goto(`http://localhost:${(attackerSite.address() as AddressInfo).port}/`);
    await page.waitForURL(`${service.url}/auth/magic-link/verify`);
    expect(await page.content()).toContain('magic_link_not_confirmed');
    expect((await context.cookies()).some((cookie) => cookie.name === 'sso_session')).toBe(false);
    const stored = (
      await queryDatabase<{ used: boolean }>(service.databaseUrl, `SELECT used_at IS NOT NULL AS used FROM magic_links WHERE email = $1`, [
        `mal@${DOMAIN}`,
      ])
    )[0];
    expect(stored).toEqual({ used: false });
    await context.close();
  }, 60000);
});
