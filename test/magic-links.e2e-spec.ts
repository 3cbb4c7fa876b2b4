import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { Client } from 'pg';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PLATFORM_KEY, startTestApp, type TestApp } from './support/app';
import { eventually } from './support/eventually';
import { graphqlOk } from './support/graphql';
import { queryDatabase, type TestDatabase } from './support/database';
import { startTestIdp, type TestIdp } from './support/test-idp';
import { TestBrowser } from './support/browser';
import { decodeQuotedPrintable, magicLinkIn, startTestSmtpServer, type ReceivedMail, type TestSmtpServer } from './support/smtp';
import { addVerifiedDomain } from './support/domains';
import { createApiKey, createConnection } from './support/fixtures';
import { MagicLinksService } from '../src/magic-links/magic-links.service';

const DOMAIN = 'magic-links-test.com';
const SSO_DOMAIN = 'sso-only-magic-test.com';
const APP_ORIGIN = 'https://app.magic-links-test.com';
const ACCEPTED = { message: 'If this email address may sign in, a sign-in link is on its way.' };

/** The form of a link's page: where its button posts, and the hidden fields it posts. */
function formOf(html: string): { action: string; fields: Record<string, string> } {
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  expect(action).toBeDefined();
  const fields = Object.fromEntries(
    [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((match) => [match[1], match[2]]),
  );
  return { action: action!.replace(/&amp;/g, '&'), fields };
}

/** Opens a link as a person does: its page (which names the account), then the page's button. */
async function signInWith(link: string, browser = new TestBrowser(), accept = 'text/html'): Promise<Response> {
  const page = await browser.get(link, { accept: 'text/html' });
  expect(page.status).toBe(200);
  const { action, fields } = formOf(await page.text());
  return browser.post(action, fields, { accept });
}

let requests = 0;
/** A client IP of its own per request (the service trusts X-Forwarded-For from loopback), so the per-IP limit only bites where a test means it to. */
const freshIp = () => `10.0.${Math.floor(++requests / 250)}.${requests % 250}`;

describe('magic links', () => {
  let service: TestApp & { database: TestDatabase };
  let smtp: TestSmtpServer;
  let idp: TestIdp;
  let organizationId: string;
  let ssoOrganizationId: string;
  let ssoConnectionId: string;

  const requestLink = (email: string, options: { ip?: string; returnTo?: string; accept?: string } = {}) =>
    fetch(`${service.url}/auth/magic-link`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-forwarded-for': options.ip ?? freshIp(),
        ...(options.accept ? { accept: options.accept } : {}),
      },
      body: JSON.stringify({ email, ...(options.returnTo ? { returnTo: options.returnTo } : {}) }),
    });

  const mailTo = (email: string) => (mail: ReceivedMail) => mail.to.includes(email);

  /** Requests a link and reads it from the message the SMTP server received. */
  async function linkFor(email: string, options: { returnTo?: string } = {}): Promise<string> {
    const before = smtp.messages.length;
    const response = await requestLink(email, options);
    expect(response.status).toBe(202);
    const mail = await smtp.waitFor((message) => smtp.messages.indexOf(message) >= before && message.to.includes(email));
    return magicLinkIn(mail);
  }

  const invite = (email: string, role: string, orgId = organizationId) =>
    graphqlOk(service.url, PLATFORM_KEY, 'mutation($input: InviteUserInput!) { inviteUser(input: $input) { id } }', {
      input: { organizationId: orgId, email, role },
    }).then((data) => data.inviteUser.id as string);

  async function refusal(response: Response): Promise<{ error: string; ssoUrl?: string }> {
    expect(response.headers.getSetCookie().some((cookie) => cookie.startsWith('sso_session='))).toBe(false);
    return (await response.json()) as { error: string; ssoUrl?: string };
  }

  beforeAll(async () => {
    smtp = await startTestSmtpServer();
    idp = await startTestIdp({ accounts: [{ sub: 'sam', email: `sam@${SSO_DOMAIN}`, email_verified: true }] });
    service = await startTestApp({
      env: {
        SMTP_URL: smtp.url,
        MAIL_FROM: 'Magic Test <sso@magic-links-test.com>',
        APP_URL: `${APP_ORIGIN}/home`,
        MAGIC_LINK_RATE_LIMIT_PER_EMAIL: '3',
        MAGIC_LINK_RATE_LIMIT_PER_IP: '6',
      },
    });
    organizationId = (
      await graphqlOk(
        service.url,
        PLATFORM_KEY,
        'mutation { createOrganization(input: { name: "Magic Test", jitProvisioning: false }) { id } }',
      )
    ).createOrganization.id;
    await addVerifiedDomain(service.url, organizationId, DOMAIN);

    ssoOrganizationId = (await graphqlOk(service.url, PLATFORM_KEY, 'mutation { createOrganization(input: { name: "SSO Only" }) { id } }'))
      .createOrganization.id;
    await addVerifiedDomain(service.url, ssoOrganizationId, SSO_DOMAIN);
    const connection = await createConnection(service.url, {
      organizationId: ssoOrganizationId,
      type: 'GENERIC_OIDC',
      discoveryUrl: idp.discoveryUrl,
      clientId: 'magic-sso',
      clientSecret: 'magic-sso-secret',
    });
    ssoConnectionId = connection.id;
    idp.registerClient({ clientId: 'magic-sso', clientSecret: 'magic-sso-secret', redirectUris: [connection.redirectUri] });
  });

  afterAll(async () => {
    await service.close();
    await service.database.drop();
    await smtp.close();
    await idp.close();
  });

  it('accepts an invitation: the invitee signs in through the emailed link and becomes a member with the invitation’s role', async () => {
    const invitationId = await invite(`carol@${DOMAIN}`, 'viewer');
    const link = await linkFor(`carol@${DOMAIN}`);
    expect(link.startsWith(`${service.url}/auth/magic-link/verify?token=`)).toBe(true);
    const mail = smtp.messages.find(mailTo(`carol@${DOMAIN}`))!;
    expect(mail.subject).toBe('Your sign-in link for Magic Test');
    expect(mail.decoded).toMatch(/^From: Magic Test <sso@magic-links-test\.com>/m);

    const browser = new TestBrowser();
    const verified = await signInWith(link, browser);
    expect(verified.status).toBe(303);
    expect(verified.headers.get('location')).toBe(`${APP_ORIGIN}/home`);
    const cookie = verified.headers.getSetCookie().find((value) => value.startsWith('sso_session='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    const me = await browser.get(`${service.url}/auth/me`);
    expect(await me.json()).toEqual({
      user: { id: expect.any(String), email: `carol@${DOMAIN}`, firstName: null, lastName: null },
      organization: { id: organizationId, slug: 'magic-test' },
      roles: ['viewer'],
    });
    const [stored] = await queryDatabase<{ accepted: boolean; method: string; provisioned: string }>(
      service.databaseUrl,
      `SELECT (SELECT accepted_at IS NOT NULL FROM invitations WHERE id = $1) AS accepted,
              (SELECT method FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = $2) AS method,
              (SELECT count(*) FROM audit_events WHERE action = 'user.provisioned' AND details->>'method' = 'magic_link') AS provisioned`,
      [invitationId, `carol@${DOMAIN}`],
    );
    expect(stored).toEqual({ accepted: true, method: 'magic_link', provisioned: '1' });
  });

  it('signs an existing member in again with a link that works once, for 15 minutes, stored only as a hash', async () => {
    const link = await linkFor(`carol@${DOMAIN}`);
    const token = new URL(link).searchParams.get('token')!;
    const rows = await queryDatabase<{ token_hash: string; lifetime: number }>(
      service.databaseUrl,
      `SELECT token_hash, extract(epoch FROM expires_at - created_at)::int AS lifetime FROM magic_links WHERE token_hash = $1`,
      [createHash('sha256').update(token).digest('hex')],
    );
    expect(rows).toHaveLength(1);
    expect(Math.abs(rows[0].lifetime - 900)).toBeLessThanOrEqual(1);
    const dump = JSON.stringify(await queryDatabase(service.databaseUrl, 'SELECT * FROM magic_links'));
    expect(dump).not.toContain(token);

    expect((await signInWith(link)).status).toBe(303);
    const again = await new TestBrowser().get(link, { accept: 'application/json' });
    expect(again.status).toBe(410);
    expect((await refusal(again)).error).toBe('magic_link_used');
    const page = await new TestBrowser().get(link, { accept: 'text/html' });
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const html = await page.text();
    expect(html).toContain('already used');
    expect(html).toContain('magic_link_used');
  });

  it('lets exactly one of ten simultaneous confirmations of a link through', async () => {
    const link = await linkFor(`carol@${DOMAIN}`);
    const browser = new TestBrowser();
    const { action, fields } = formOf(await (await browser.get(link, { accept: 'text/html' })).text());
    const statuses = await Promise.all(
      Array.from({ length: 10 }, () => browser.post(action, fields, { accept: 'application/json' }).then((response) => response.status)),
    );
    expect(statuses.filter((status) => status === 303)).toHaveLength(1);
    expect(statuses.filter((status) => status === 410)).toHaveLength(9);
  });

  it('shows a page naming the account on GET and HEAD, and never uses the link before its button is pressed', async () => {
    const link = await linkFor(`carol@${DOMAIN}`);
    const tokenHash = createHash('sha256').update(new URL(link).searchParams.get('token')!).digest('hex');
    const browser = new TestBrowser();
    expect((await browser.head(link)).status).toBe(200);
    for (let opened = 0; opened < 3; opened++) {
      const page = await browser.get(link, { accept: 'text/html' });
      expect(page.status).toBe(200);
      expect(page.headers.get('cache-control')).toBe('no-store');
      expect(page.headers.get('referrer-policy')).toBe('no-referrer');
      expect(page.headers.getSetCookie().some((cookie) => cookie.startsWith('sso_session='))).toBe(false);
      const confirmation = page.headers.getSetCookie().find((cookie) => cookie.startsWith('magic_link_confirm_'))!;
      expect(confirmation).toMatch(/HttpOnly/i);
      expect(confirmation).toMatch(/SameSite=Strict/i);
      const html = await page.text();
      expect(html).toContain(`carol@${DOMAIN}`);
      expect(html).toContain('Magic Test');
      expect(formOf(html).fields).toEqual({ token: expect.any(String), confirmation: expect.any(String) });
    }
    expect(await queryDatabase(service.databaseUrl, 'SELECT used_at FROM magic_links WHERE token_hash = $1', [tokenHash])).toEqual([
      { used_at: null },
    ]);
    expect((await browser.get(`${service.url}/auth/me`)).status).toBe(401);
    expect((await signInWith(link, browser)).status).toBe(303);
    expect((await browser.get(`${service.url}/auth/me`)).status).toBe(200);
  });

  it('refuses a POST that did not come from the link’s page in the same browser (login CSRF), and leaves the link to its owner', async () => {
    // The attacker requests a link to their own account and opens it to learn the form...
    await invite(`mallory@${DOMAIN}`, 'editor');
    const link = await linkFor(`mallory@${DOMAIN}`);
    const attacker = new TestBrowser();
    const { action, fields } = formOf(await (await attacker.get(link, { accept: 'text/html' })).text());
    // ...then makes a victim's browser post it: without the page's cookie, or with its own.
    const victim = new TestBrowser();
    const forged = [
      () => victim.post(action, fields, { accept: 'application/json' }),
      () => victim.post(action, { token: fields.token }, { accept: 'application/json' }),
      async () => {
        await victim.get(link, { accept: 'text/html' });
        return victim.post(action, fields, { accept: 'application/json' });
      },
    ];
    for (const post of forged) {
      const response = await post();
      expect(response.status).toBe(403);
      expect((await refusal(response)).error).toBe('magic_link_not_confirmed');
      expect((await victim.get(`${service.url}/auth/me`)).status).toBe(401);
    }
    const page = await victim.post(action, fields, { accept: 'text/html' });
    expect(await page.text()).toContain('press the sign-in button');
    expect((await attacker.post(action, fields)).status).toBe(303);
  });

  it('refuses an expired link and a made-up one, naming the reason, never with a 500', async () => {
    const link = await linkFor(`carol@${DOMAIN}`);
    const token = new URL(link).searchParams.get('token')!;
    await queryDatabase(service.databaseUrl, `UPDATE magic_links SET expires_at = now() - interval '1 second' WHERE token_hash = $1`, [
      createHash('sha256').update(token).digest('hex'),
    ]);
    const expired = await new TestBrowser().get(link, { accept: 'application/json' });
    expect(expired.status).toBe(410);
    expect((await refusal(expired)).error).toBe('magic_link_expired');

    for (const query of ['?token=not-a-real-token', '', `?token=${'x'.repeat(5000)}`, '?token=a&token=b']) {
      const response = await new TestBrowser().get(`${service.url}/auth/magic-link/verify${query}`, { accept: 'application/json' });
      expect(response.status).toBe(400);
      expect((await refusal(response)).error).toBe('magic_link_invalid');
    }
  });

  it('answers an unknown email exactly like a known one, sends it nothing and creates nothing', async () => {
    await invite(`erin@${DOMAIN}`, 'editor');
    const unknown = [`nobody@${DOMAIN}`, 'someone@unclaimed-magic-example.com'];
    const answers = [];
    for (const email of [...unknown, `erin@${DOMAIN}`]) {
      const response = await requestLink(email);
      answers.push({ status: response.status, body: await response.json() });
    }
    expect(answers).toEqual(Array(3).fill({ status: 202, body: ACCEPTED }));
    await smtp.waitFor(mailTo(`erin@${DOMAIN}`));
    expect(smtp.messages.filter((mail) => unknown.some((email) => mail.to.includes(email)))).toEqual([]);
    const [counts] = await queryDatabase<{ links: string; users: string }>(
      service.databaseUrl,
      `SELECT (SELECT count(*) FROM magic_links WHERE email = ANY($1)) AS links, (SELECT count(*) FROM users WHERE email = ANY($1)) AS users`,
      [unknown],
    );
    expect(counts).toEqual({ links: '0', users: '0' });
  });

  it('answers before it looks the email up: a member is not told apart by waiting for the link to be stored', async () => {
    await invite(`tim@${DOMAIN}`, 'editor');
    // While these tables are locked, looking a member up or storing a link waits; the answer must not.
    const locker = new Client({ connectionString: service.databaseUrl });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE magic_links, invitations, memberships IN ACCESS EXCLUSIVE MODE');
      for (const email of [`tim@${DOMAIN}`, `nobody-here@${DOMAIN}`]) {
        const response = await fetch(`${service.url}/auth/magic-link`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': freshIp() },
          body: JSON.stringify({ email }),
          signal: AbortSignal.timeout(5_000),
        });
        expect({ status: response.status, body: await response.json() }).toEqual({ status: 202, body: ACCEPTED });
      }
      expect(smtp.messages.some(mailTo(`tim@${DOMAIN}`))).toBe(false);
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
    // The link goes out once the lookup can run.
    expect(magicLinkIn(await smtp.waitFor(mailTo(`tim@${DOMAIN}`)))).toContain('/auth/magic-link/verify?token=');
  });

  it('makes an invitee accepted through a link known to the roles API at once, past a cached 404', async () => {
    await invite(`uma@${DOMAIN}`, 'viewer');
    const rolesKey = (await createApiKey(service.url, organizationId, ['roles:read'])).secret;
    const roles = () =>
      fetch(`${service.url}/v1/organizations/${organizationId}/roles?email=${encodeURIComponent(`uma@${DOMAIN}`)}`, {
        headers: { authorization: `Bearer ${rolesKey}` },
      });
    // Asked twice: the second answer comes from the cache.
    expect((await roles()).status).toBe(404);
    expect((await roles()).status).toBe(404);
    expect((await signInWith(await linkFor(`uma@${DOMAIN}`))).status).toBe(303);
    const answer = await roles();
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ organizationId, roles: ['viewer'] });
  });

  it('refuses a link whose invitation was revoked after it was sent, and creates no user', async () => {
    const invitationId = await invite(`dave@${DOMAIN}`, 'editor');
    const link = await linkFor(`dave@${DOMAIN}`);
    await graphqlOk(service.url, PLATFORM_KEY, 'mutation($id: ID!) { revokeInvitation(id: $id) }', { id: invitationId });
    const response = await new TestBrowser().get(link, { accept: 'application/json' });
    expect(response.status).toBe(403);
    expect((await refusal(response)).error).toBe('not_a_member');
    expect(await queryDatabase(service.databaseUrl, 'SELECT id FROM users WHERE email = $1', [`dave@${DOMAIN}`])).toEqual([]);
  });

  it('returns to an allowed return target only', async () => {
    const allowed = await signInWith(await linkFor(`carol@${DOMAIN}`, { returnTo: `${APP_ORIGIN}/projects/7` }));
    expect(allowed.headers.get('location')).toBe(`${APP_ORIGIN}/projects/7`);
    const open = await signInWith(await linkFor(`carol@${DOMAIN}`, { returnTo: 'https://evil.example.net/steal' }));
    expect(open.headers.get('location')).toBe(`${APP_ORIGIN}/home`);
    const chained = await signInWith(await linkFor(`carol@${DOMAIN}`, { returnTo: `${service.url}/sso/initiate/${ssoConnectionId}` }));
    expect(chained.headers.get('location')).toBe(`${APP_ORIGIN}/home`);
  });

  it('refuses a bad email as bad input', async () => {
    const response = await requestLink('not an email');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'bad_user_input', field: 'email' });
  });

  it('limits requests per email address from one client IP, known or not, with a clear 429 for that IP only', async () => {
    await invite(`frank@${DOMAIN}`, 'editor');
    for (const [email, ip] of [
      [`frank@${DOMAIN}`, '198.51.100.1'],
      [`ghost@${DOMAIN}`, '198.51.100.2'],
    ]) {
      for (let attempt = 0; attempt < 3; attempt++)
        expect((await requestLink(attempt % 2 ? email.toUpperCase() : email, { ip })).status).toBe(202);
      const limited = await requestLink(email, { ip });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await limited.json()).toMatchObject({ error: 'rate_limited' });
      // Another address asking for the same email is not held back by this one.
      expect((await requestLink(email)).status).toBe(202);
    }
  });

  it('limits requests per client IP', async () => {
    const ip = '203.0.113.9';
    for (let attempt = 0; attempt < 6; attempt++) expect((await requestLink(`ip-${attempt}@${DOMAIN}`, { ip })).status).toBe(202);
    expect((await requestLink(`ip-6@${DOMAIN}`, { ip })).status).toBe(429);
    expect((await requestLink(`ip-6@${DOMAIN}`, { ip: '203.0.113.10' })).status).toBe(202);
  });

  describe('when the organization of the email’s domain requires SSO', () => {
    let earlierLink: string;

    beforeAll(async () => {
      await invite(`sue@${SSO_DOMAIN}`, 'editor', ssoOrganizationId);
      earlierLink = await linkFor(`sue@${SSO_DOMAIN}`);
      const browser = new TestBrowser();
      const initiate = await browser.get(`${service.url}/sso/initiate/${ssoConnectionId}`);
      expect((await browser.get(await idp.signIn(initiate.headers.get('location')!, 'sam'))).status).toBe(302);
      await graphqlOk(
        service.url,
        PLATFORM_KEY,
        'mutation($id: ID!) { updateOrganization(id: $id, input: { ssoRequired: true }) { ssoRequired } }',
        { id: ssoOrganizationId },
      );
    });

    it('refuses a link request with sso_required and where to sign in, the same for members and strangers', async () => {
      for (const email of [`sam@${SSO_DOMAIN}`, `sue@${SSO_DOMAIN}`, `stranger@${SSO_DOMAIN}`]) {
        const before = smtp.messages.length;
        const response = await requestLink(email);
        expect(response.status).toBe(403);
        const body = await refusal(response);
        expect(body).toMatchObject({ error: 'sso_required', ssoUrl: `${service.url}/sso/discover?email=${encodeURIComponent(email)}` });
        const discover = await fetch(body.ssoUrl!, { redirect: 'manual' });
        expect(discover.headers.get('location')).toBe(`${service.url}/sso/initiate/${ssoConnectionId}`);
        expect(smtp.messages.length).toBe(before);
      }
    });

    it('refuses a link sent before SSO became required, with a page that points to SSO', async () => {
      const page = await new TestBrowser().get(earlierLink, { accept: 'text/html' });
      expect(page.status).toBe(403);
      const html = await page.text();
      expect(html).toContain('sso_required');
      expect(html).toContain(`href="${service.url}/sso/discover?email=sue%40${SSO_DOMAIN}"`);
      expect(await queryDatabase(service.databaseUrl, 'SELECT id FROM users WHERE email = $1', [`sue@${SSO_DOMAIN}`])).toEqual([]);
    });

    it('still signs members in through SSO', async () => {
      const browser = new TestBrowser();
      const initiate = await browser.get(`${service.url}/sso/initiate/${ssoConnectionId}`);
      expect((await browser.get(await idp.signIn(initiate.headers.get('location')!, 'sam'))).status).toBe(302);
      expect((await browser.get(`${service.url}/auth/me`)).status).toBe(200);
    });
  });
});

describe('magic links requested from many addresses', () => {
  it('never stop a member from getting a working link: strangers are limited per address, mail to one address per minute', async () => {
    const smtp = await startTestSmtpServer();
    // The shipped limits: 5 requests per email and address, 30 per address, 1 mail a minute.
    const service = await startTestApp({
      env: {
        SMTP_URL: smtp.url,
        MAGIC_LINK_RATE_LIMIT_PER_EMAIL: '5',
        MAGIC_LINK_RATE_LIMIT_PER_IP: '30',
        MAGIC_LINK_MAILS_PER_EMAIL_PER_MINUTE: '1',
      },
    });
    const member = 'nina@crowded-magic-test.com';
    const ask = (ip: string) =>
      fetch(`${service.url}/auth/magic-link`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
        body: JSON.stringify({ email: member }),
      });
    try {
      const { createOrganization } = await graphqlOk(
        service.url,
        PLATFORM_KEY,
        'mutation { createOrganization(input: { name: "Crowded" }) { id } }',
      );
      await addVerifiedDomain(service.url, createOrganization.id, 'crowded-magic-test.com');
      await graphqlOk(service.url, PLATFORM_KEY, 'mutation($input: InviteUserInput!) { inviteUser(input: $input) { id } }', {
        input: { organizationId: createOrganization.id, email: member },
      });

      // Strangers ask for the member's links from 40 addresses, one of them until it is refused.
      const strangers = Array.from({ length: 40 }, (_, index) => `192.0.2.${index + 1}`);
      const statuses = await Promise.all(strangers.map((ip) => ask(ip).then((response) => response.status)));
      expect(statuses).toEqual(strangers.map(() => 202));
      for (let attempt = 0; attempt < 4; attempt++) expect((await ask(strangers[0])).status).toBe(202);
      expect((await ask(strangers[0])).status).toBe(429);

      // The member, from their own address, is answered as always...
      expect((await ask('198.18.0.7')).status).toBe(202);
      // ...and the inbox holds one link, under a minute old, that signs them in.
      const first = await smtp.waitFor((mail) => mail.to.includes(member));
      // Every request that reached the member's mail limit has been counted (40 + 4 + 1), yet one mail went out.
      await eventually(
        async () => {
          expect(await queryDatabase(service.databaseUrl, `SELECT points FROM rate_limits WHERE key LIKE 'magic_link_mail:%'`)).toEqual([
            { points: 45 },
          ]);
        },
        { timeoutMs: 10_000 },
      );
      expect(smtp.messages.filter((mail) => mail.to.includes(member))).toHaveLength(1);
      expect((await signInWith(magicLinkIn(first))).status).toBe(303);

      // A minute later (the mail window ended), the member's next request sends a fresh link.
      await queryDatabase(service.databaseUrl, `UPDATE rate_limits SET expire = 0 WHERE key LIKE 'magic_link_mail:%'`);
      expect((await ask('198.18.0.7')).status).toBe(202);
      const second = await smtp.waitFor((mail) => mail !== first && mail.to.includes(member));
      expect((await signInWith(magicLinkIn(second))).status).toBe(303);
    } finally {
      await service.close();
      await service.database.drop();
      await smtp.close();
    }
  });
});

describe('magic links at shutdown', () => {
  it('sends a link still being worked on when the service stops before stopping', async () => {
    const smtp = await startTestSmtpServer();
    const service = await startTestApp({ env: { SMTP_URL: smtp.url } });
    try {
      const { createOrganization } = await graphqlOk(
        service.url,
        PLATFORM_KEY,
        'mutation { createOrganization(input: { name: "Closing" }) { id } }',
      );
      await addVerifiedDomain(service.url, createOrganization.id, 'closing-magic-test.com');
      await graphqlOk(service.url, PLATFORM_KEY, 'mutation($input: InviteUserInput!) { inviteUser(input: $input) { id } }', {
        input: { organizationId: createOrganization.id, email: 'cleo@closing-magic-test.com' },
      });
      // Where the shutdown meets the link's work: when it gets there, and whether it has moved on.
      const links = service.app.get(MagicLinksService);
      let drained = false;
      const shutdownReached = new Promise<void>((resolve) => {
        const drain = links.beforeApplicationShutdown.bind(links);
        links.beforeApplicationShutdown = () => {
          resolve();
          return drain().finally(() => (drained = true));
        };
      });
      const locker = new Client({ connectionString: service.databaseUrl });
      await locker.connect();
      let closing: Promise<void>;
      try {
        await locker.query('BEGIN');
        await locker.query('LOCK TABLE magic_links IN ACCESS EXCLUSIVE MODE');
        const response = await fetch(`${service.url}/auth/magic-link`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: 'cleo@closing-magic-test.com' }),
          signal: AbortSignal.timeout(5_000),
        });
        expect(response.status).toBe(202);
        closing = service.close();
        await Promise.race([shutdownReached, closing]);
        // Everything already settled has run by the next turn: a shutdown that did not wait for the locked link is past it.
        await new Promise((resolve) => setImmediate(resolve));
        expect(drained).toBe(false);
      } finally {
        await locker.query('ROLLBACK');
        await locker.end();
      }
      await closing;
      expect(magicLinkIn(await smtp.waitFor((mail) => mail.to.includes('cleo@closing-magic-test.com'), 1_000))).toContain(
        '/auth/magic-link/verify?token=',
      );
      expect(await queryDatabase(service.databaseUrl, 'SELECT email FROM magic_links')).toEqual([{ email: 'cleo@closing-magic-test.com' }]);
    } finally {
      await service.database.drop();
      await smtp.close();
    }
  });
});

describe('magic links without SMTP_URL', () => {
  it('writes each message to <DATA_DIR>/outbox as an .eml file whose link signs in', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'magic-outbox-'));
    const service = await startTestApp({ env: { DATA_DIR: dataDir } });
    try {
      const { createOrganization } = await graphqlOk(
        service.url,
        PLATFORM_KEY,
        'mutation { createOrganization(input: { name: "Offline" }) { id } }',
      );
      await addVerifiedDomain(service.url, createOrganization.id, 'offline-magic-test.com');
      await graphqlOk(service.url, PLATFORM_KEY, 'mutation($input: InviteUserInput!) { inviteUser(input: $input) { id } }', {
        input: { organizationId: createOrganization.id, email: 'olga@offline-magic-test.com' },
      });
      const response = await fetch(`${service.url}/auth/magic-link`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'olga@offline-magic-test.com' }),
      });
      expect(response.status).toBe(202);
      const outbox = join(dataDir, 'outbox');
      const files = await eventually(
        () => {
          const found = readdirSync(dataDir).includes('outbox') ? readdirSync(outbox).filter((name) => name.endsWith('.eml')) : [];
          expect(found).toHaveLength(1);
          return found;
        },
        { timeoutMs: 5_000, intervalMs: 20 },
      );
      expect(files[0]).toMatch(/\.eml$/);
      expect(statSync(join(outbox, files[0])).mode & 0o077).toBe(0);
      const message = decodeQuotedPrintable(readFileSync(join(outbox, files[0]), 'utf8'));
      expect(message).toMatch(/^To: olga@offline-magic-test\.com/m);
      const link = magicLinkIn({ to: [], subject: '', decoded: message });
      expect((await signInWith(link)).status).toBe(303);
    } finally {
      await service.close();
      await service.database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
