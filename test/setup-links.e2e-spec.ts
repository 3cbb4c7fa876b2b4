import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PLATFORM_KEY, startTestApp, type TestApp } from './support/app';
import { errorCode, graphql, graphqlOk } from './support/graphql';
import { queryDatabase, type TestDatabase } from './support/database';
import { TestBrowser } from './support/browser';
import { startTestIdp, type TestIdp } from './support/test-idp';
import { decodeQuotedPrintable, startTestSmtpServer, type TestSmtpServer } from './support/smtp';
import { createApiKey, createConnection } from './support/fixtures';

const CREATE_LINK =
  'mutation($organizationId: ID!, $hours: Int) { createSetupLink(organizationId: $organizationId, expiresInHours: $hours) { id organizationId url expiresAt } }';
const REVOKE_LINK = 'mutation($id: ID!) { revokeSetupLink(id: $id) }';

/** A browser that also posts forms (urlencoded), keeping the portal's cookie. */
class FormBrowser extends TestBrowser {
  async submit(url: string, fields: Record<string, string>): Promise<Response> {
    const cookie = this.cookieNames()
      .map((name) => `${name}=${this.cookie(name)}`)
      .join('; ');
    return fetch(url, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
      body: new URLSearchParams(fields).toString(),
    });
  }
}

function csrfOf(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('no CSRF token on the page');
  return match[1];
}

describe('Setup links', () => {
  let service: TestApp & { database: TestDatabase };
  let idp: TestIdp;
  let smtp: TestSmtpServer;
  let orgA: string;
  let orgB: string;
  let orgBKey: string;

  async function openPortal(organizationId: string): Promise<{ browser: FormBrowser; linkId: string; url: string }> {
    const { createSetupLink } = await graphqlOk(service.url, PLATFORM_KEY, CREATE_LINK, { organizationId });
    const browser = new FormBrowser();
    const opened = await browser.post(createSetupLink.url);
    expect(opened.status).toBe(303);
    expect(opened.headers.get('location')).toBe('/setup');
    return { browser, linkId: createSetupLink.id, url: createSetupLink.url };
  }

  beforeAll(async () => {
    idp = await startTestIdp();
    smtp = await startTestSmtpServer();
    service = await startTestApp({ env: { SMTP_URL: smtp.url } });
    ({
      createOrganization: { id: orgA },
    } = await graphqlOk(service.url, PLATFORM_KEY, 'mutation { createOrganization(input: { name: "Setup A" }) { id } }'));
    ({
      createOrganization: { id: orgB },
    } = await graphqlOk(service.url, PLATFORM_KEY, 'mutation { createOrganization(input: { name: "Setup B" }) { id } }'));
    orgBKey = (await createApiKey(service.url, orgB, ['admin'])).secret;
  });

  afterAll(async () => {
    await service.close();
    await service.database.drop();
    await idp.close();
    await smtp.close();
  });

  it('hands out a URL under /setup/ that expires when asked (72 hours by default), stores only a hash, and audits it', async () => {
    const { createSetupLink } = await graphqlOk(service.url, PLATFORM_KEY, CREATE_LINK, { organizationId: orgA });
    expect(createSetupLink.url.startsWith(`${service.url}/setup/`)).toBe(true);
    const hours = (new Date(createSetupLink.expiresAt).getTime() - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(71.9);
    expect(hours).toBeLessThanOrEqual(72);
    const token = createSetupLink.url.split('/').pop();
    const stored = await queryDatabase(service.databaseUrl, 'SELECT * FROM setup_links WHERE id = $1', [createSetupLink.id]);
    expect(JSON.stringify(stored)).not.toContain(token);
    const audit = await queryDatabase(
      service.databaseUrl,
      "SELECT actor FROM audit_events WHERE action = 'setup_link.created' AND target_id = $1",
      [createSetupLink.id],
    );
    expect(audit).toHaveLength(1);
  });

  it('mails the link to the IT contact when asked, and the mailed link opens the portal', async () => {
    const { createSetupLink } = await graphqlOk(
      service.url,
      PLATFORM_KEY,
      'mutation($id: ID!) { createSetupLink(organizationId: $id, sendTo: "it@setup-a-example.com") { url } }',
      { id: orgA },
    );
    const mail = await smtp.waitFor((message) => message.to.includes('it@setup-a-example.com'));
    expect(mail.subject).toContain('Setup A');
    expect(decodeQuotedPrintable(mail.decoded)).toContain(createSetupLink.url);
    expect((await new FormBrowser().post(createSetupLink.url)).status).toBe(303);
  });

  it('shows bad input next to its field, in words, and keeps what was typed', async () => {
    const { browser } = await openPortal(orgA);
    const csrf = csrfOf(await (await browser.get(`${service.url}/setup/domains`)).text());
    const refused = await browser.submit(`${service.url}/setup/domains`, { domain: 'not a domain', _csrf: csrf });
    expect(refused.status).toBe(400);
    const page = await refused.text();
    expect(page).toMatch(/<p class="error" id="field-domain-error">The domain [^<]+<\/p>/);
    expect(page).toContain('aria-invalid="true"');
    expect(page).toContain('value="not a domain"');
    expect(await queryDatabase(service.databaseUrl, 'SELECT id FROM domains WHERE organization_id = $1', [orgA])).toEqual([]);
  });

  it('refuses a lifetime outside 1 to 720 hours, naming expiresInHours, and another organization’s key', async () => {
    for (const hours of [0, 721]) {
      const result = await graphql(service.url, PLATFORM_KEY, CREATE_LINK, { organizationId: orgA, hours });
      expect(errorCode(result)).toBe('BAD_USER_INPUT');
      expect(result.errors?.[0].extensions?.field).toBe('expiresInHours');
    }
    expect(errorCode(await graphql(service.url, orgBKey, CREATE_LINK, { organizationId: orgA }))).toBe('FORBIDDEN');
  });

  it('opening the link with GET names the organization and uses nothing up; the POST starts the portal, once', async () => {
    const { createSetupLink } = await graphqlOk(service.url, PLATFORM_KEY, CREATE_LINK, { organizationId: orgA });
    for (let i = 0; i < 2; i++) {
      const landing = await fetch(createSetupLink.url);
      expect(landing.status).toBe(200);
      expect(await landing.text()).toContain('Setup A');
    }
    const browser = new FormBrowser();
    expect((await browser.post(createSetupLink.url)).status).toBe(303);
    const portal = await browser.get(`${service.url}/setup`);
    expect(portal.status).toBe(200);
    expect(await portal.text()).toContain('Setup A');
    const cookie = (await browser.post(createSetupLink.url)).headers;
    expect(cookie.get('location')).toBeNull();
    const reused = await new FormBrowser().post(createSetupLink.url);
    expect(reused.status).toBe(410);
    expect(await reused.text()).toContain('already used');
    const opened = await queryDatabase(
      service.databaseUrl,
      "SELECT count(*)::int AS n FROM audit_events WHERE action = 'setup_link.opened' AND target_id = $1",
      [createSetupLink.id],
    );
    expect(opened).toEqual([{ n: 1 }]);
  });

  it('an expired link and its session stop working with a page that says so', async () => {
    const { browser, linkId, url } = await openPortal(orgA);
    await queryDatabase(service.databaseUrl, "UPDATE setup_links SET expires_at = now() - interval '1 second' WHERE id = $1", [linkId]);
    const page = await browser.get(`${service.url}/setup`);
    expect(page.status).toBe(410);
    expect(await page.text()).toContain('expired');
    const landing = await fetch(url);
    expect(landing.status).toBe(410);
  });

  it('a revoked link ends its portal session at once', async () => {
    const { browser, linkId } = await openPortal(orgA);
    expect((await browser.get(`${service.url}/setup/domains`)).status).toBe(200);
    expect((await graphqlOk(service.url, PLATFORM_KEY, REVOKE_LINK, { id: linkId })).revokeSetupLink).toBe(true);
    const page = await browser.get(`${service.url}/setup/domains`);
    expect(page.status).toBe(401);
    expect(await page.text()).toContain('setup session has ended');
  });

  it('a session left idle past its timeout asks for a new link', async () => {
    const { browser, linkId } = await openPortal(orgA);
    await queryDatabase(
      service.databaseUrl,
      "UPDATE setup_sessions SET last_seen_at = now() - interval '31 minutes' WHERE setup_link_id = $1",
      [linkId],
    );
    expect((await browser.get(`${service.url}/setup`)).status).toBe(401);
  });

  it('refuses a form posted without the session’s CSRF token, and changes nothing', async () => {
    const { browser } = await openPortal(orgA);
    const before = await queryDatabase(service.databaseUrl, 'SELECT default_role FROM organizations WHERE id = $1', [orgA]);
    for (const fields of [{ defaultRole: 'viewer' }, { defaultRole: 'viewer', _csrf: 'forged' }] as Record<string, string>[]) {
      const refused = await browser.submit(`${service.url}/setup/roles/defaults`, fields);
      expect(refused.status).toBe(403);
    }
    expect(await queryDatabase(service.databaseUrl, 'SELECT default_role FROM organizations WHERE id = $1', [orgA])).toEqual(before);
    const csrf = csrfOf(await (await browser.get(`${service.url}/setup/roles`)).text());
    const saved = await browser.submit(`${service.url}/setup/roles/defaults`, { defaultRole: 'viewer', _csrf: csrf });
    expect(saved.status).toBe(303);
    expect(await queryDatabase(service.databaseUrl, 'SELECT default_role FROM organizations WHERE id = $1', [orgA])).toEqual([
      { default_role: 'viewer' },
    ]);
    const audit = await queryDatabase(
      service.databaseUrl,
      "SELECT actor FROM audit_events WHERE organization_id = $1 AND action = 'organization.updated' ORDER BY at DESC LIMIT 1",
      [orgA],
    );
    expect(audit[0]?.actor).toMatch(/^setup_link:/);
  });

  it('a portal of organization A cannot touch organization B’s rows by id', async () => {
    const connection = await createConnection(
      service.url,
      { organizationId: orgB, type: 'GENERIC_OIDC', discoveryUrl: idp.discoveryUrl, clientId: 'b-app', clientSecret: 'b-secret' },
      orgBKey,
    );
    const { createRoleMapping } = await graphqlOk(
      service.url,
      orgBKey,
      'mutation($input: CreateRoleMappingInput!) { createRoleMapping(input: $input) { id } }',
      {
        input: { connectionId: connection.id, idpGroupId: 'b-admins', role: 'admin' },
      },
    );
    const { addDomain } = await graphqlOk(
      service.url,
      orgBKey,
      'mutation($id: ID!) { addDomain(organizationId: $id, domain: "setup-b-example.com") { id } }',
      { id: orgB },
    );
    const { browser } = await openPortal(orgA);
    const csrf = csrfOf(await (await browser.get(`${service.url}/setup/roles`)).text());
    const deleted = await browser.submit(`${service.url}/setup/roles/mappings/${createRoleMapping.id}/delete`, { _csrf: csrf });
    expect(deleted.status).toBe(400);
    expect(await deleted.text()).toContain('not found');
    const checked = await browser.submit(`${service.url}/setup/domains/${addDomain.id}/check`, { _csrf: csrf });
    expect(checked.status).toBe(400);
    expect(await queryDatabase(service.databaseUrl, 'SELECT id FROM role_mappings WHERE id = $1', [createRoleMapping.id])).toHaveLength(1);
    expect(await queryDatabase(service.databaseUrl, 'SELECT id FROM domains WHERE id = $1', [addDomain.id])).toHaveLength(1);
  });
});
