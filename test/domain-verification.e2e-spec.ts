import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { PLATFORM_KEY, startTestApp, type TestApp } from './support/app';
import { errorCode, graphql, graphqlOk } from './support/graphql';
import { createTestDatabase, queryDatabase, type TestDatabase } from './support/database';
import { startTestIdp, type TestIdp } from './support/test-idp';
import { TestBrowser } from './support/browser';
import { TestDnsServer } from './support/dns-server';
import { eventually } from './support/eventually';
import { dataSourceOptions } from '../src/database/data-source-options';
import { MIGRATIONS } from '../src/migrations';
import { VerifyDomains1795510000000 } from '../src/migrations/1795510000000-VerifyDomains';
import { createApiKey, createConnection } from './support/fixtures';

const DOMAIN_FIELDS =
  'id domain displayDomain organizationId status verifiedAt verificationError verificationMethod nextCheckAt verificationRecord { type name value }';
const ADD = `mutation($organizationId: ID!, $domain: String!) { addDomain(organizationId: $organizationId, domain: $domain) { ${DOMAIN_FIELDS} } }`;
const VERIFY = `mutation($id: ID!) { verifyDomain(id: $id) { ${DOMAIN_FIELDS} } }`;
const MARK = `mutation($id: ID!) { markDomainVerified(id: $id) { ${DOMAIN_FIELDS} } }`;
const REMOVE = 'mutation($id: ID!) { removeDomain(id: $id) }';
const DOMAINS = `query($id: ID!) { organization(id: $id) { domains { ${DOMAIN_FIELDS} } } }`;
const AUDIT = 'query($id: ID!) { auditEvents(organizationId: $id) { action actor targetId } }';

interface DomainView {
  id: string;
  domain: string;
  displayDomain: string;
  organizationId: string;
  status: 'PENDING' | 'VERIFIED' | 'FAILED';
  verifiedAt: string | null;
  verificationError: string | null;
  verificationMethod: string | null;
  nextCheckAt: string | null;
  verificationRecord: { type: string; name: string; value: string };
}

/** DNS answers quickly, or the lookup gives up quickly: the bound the tests hold the service to. */
const DNS_ENV = { DNS_TIMEOUT_MS: '300', DNS_TRIES: '2', DNS_DEADLINE_MS: '1500' };
const DNS_BOUND_MS = 1500;
/** The background checks run every 100 ms, but the machine may be busy with other test files. */
const SLOW_MACHINE = { timeoutMs: 30_000 };

async function organization(service: TestApp, name: string): Promise<{ id: string; key: string }> {
  const { createOrganization } = await graphqlOk(
    service.url,
    PLATFORM_KEY,
    'mutation($name: String!) { createOrganization(input: { name: $name }) { id } }',
    { name },
  );
  const { secret } = await createApiKey(service.url, createOrganization.id, ['admin']);
  return { id: createOrganization.id, key: secret };
}

async function add(service: TestApp, key: string, organizationId: string, domain: string): Promise<DomainView> {
  return (await graphqlOk<{ addDomain: DomainView }>(service.url, key, ADD, { organizationId, domain })).addDomain;
}

async function verify(service: TestApp, key: string, id: string): Promise<DomainView> {
  return (await graphqlOk<{ verifyDomain: DomainView }>(service.url, key, VERIFY, { id })).verifyDomain;
}

async function domainRow(databaseUrl: string, id: string) {
  const [row] = await queryDatabase<{
    status: string;
    verification_error: string | null;
    check_attempts: number;
    next_check_at: Date | null;
    verification_method: string | null;
  }>(databaseUrl, 'SELECT status, verification_error, check_attempts, next_check_at, verification_method FROM domains WHERE id = $1', [id]);
  return row;
}

async function auditActions(service: TestApp, organizationId: string): Promise<{ action: string; actor: string; targetId: string }[]> {
  return (await graphqlOk(service.url, PLATFORM_KEY, AUDIT, { id: organizationId })).auditEvents;
}

describe('Domain verification through DNS', () => {
  let dns: TestDnsServer;
  let service: TestApp & { database: TestDatabase };

  beforeAll(async () => {
    dns = await TestDnsServer.start();
    service = await startTestApp({ env: { DNS_SERVERS: dns.address, ...DNS_ENV } });
  });

  afterAll(async () => {
    await service?.close();
    await service?.database.drop();
    await dns?.close();
  });

  describe('addDomain', () => {
    it('claims a domain as PENDING with a TXT record to publish, a random value per claim, and blocks no one', async () => {
      const first = await organization(service, 'Pending First');
      const second = await organization(service, 'Pending Second');
      const mine = await add(service, first.key, first.id, 'Pending-Claim-Test.com');
      const theirs = await add(service, second.key, second.id, 'pending-claim-test.com');
      for (const [claim, organizationId] of [
        [mine, first.id],
        [theirs, second.id],
      ] as const) {
        expect(claim).toMatchObject({
          domain: 'pending-claim-test.com',
          organizationId,
          status: 'PENDING',
          verifiedAt: null,
          verificationRecord: {
            type: 'TXT',
            name: '_sso-challenge.pending-claim-test.com',
            value: expect.stringMatching(/^sso-verification=[A-Za-z0-9_-]{32}$/),
          },
        });
      }
      expect(mine.verificationRecord.value).not.toBe(theirs.verificationRecord.value);
      // The same organization cannot claim it twice.
      const again = await graphql(service.url, first.key, ADD, { organizationId: first.id, domain: 'pending-claim-test.com' });
      expect(again.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'domain' });
    });

    it('checks an internationalised name in punycode and shows both forms', async () => {
      const org = await organization(service, 'Bücher GmbH');
      const claim = await add(service, org.key, org.id, 'Bücher-Verifikation.de');
      expect(claim).toMatchObject({
        domain: 'xn--bcher-verifikation-m6b.de',
        displayDomain: 'bücher-verifikation.de',
        verificationRecord: { name: '_sso-challenge.xn--bcher-verifikation-m6b.de' },
      });
      dns.addZone(claim.domain);
      dns.publishTxt(claim.verificationRecord.name, claim.verificationRecord.value);
      expect(await verify(service, org.key, claim.id)).toMatchObject({ status: 'VERIFIED', displayDomain: 'bücher-verifikation.de' });
    });

    it.each([
      ['not registrable', 'co.uk', /registrable/],
      ['an IP address', '10.0.0.1', /registrable/],
      ['free mail', 'gmail.com', /free-mail/],
      ['a name under free mail', 'mail.google.com', /free-mail/],
      ['too long', `${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.com`, /too long/],
      ['a trailing dot', 'trailing-dot-test.com.', /must not end with a dot/],
      ['garbage', '../etc/passwd', /domain name/],
    ])('refuses %s with BAD_USER_INPUT naming domain', async (_case, domain, message) => {
      const result = await graphql(service.url, PLATFORM_KEY, ADD, {
        organizationId: (await organization(service, `Bad ${_case}`)).id,
        domain,
      });
      expect(result.status).toBeLessThan(500);
      expect(result.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'domain' });
      expect(result.errors![0].message).toMatch(message);
    });
  });

  describe('verifyDomain', () => {
    it('says why a domain is not verified yet: no domain, no record, another value; then VERIFIED once the record is right', async () => {
      const org = await organization(service, 'Step By Step');
      const claim = await add(service, org.key, org.id, 'step-by-step-test.com');
      const { name, value } = claim.verificationRecord;

      const noDomain = await verify(service, org.key, claim.id);
      expect(noDomain).toMatchObject({
        status: 'PENDING',
        verifiedAt: null,
        verificationError: expect.stringMatching(/^The domain step-by-step-test\.com does not exist in DNS/),
      });

      dns.addZone('step-by-step-test.com');
      expect((await verify(service, org.key, claim.id)).verificationError).toMatch(
        /^No TXT record was found at _sso-challenge\.step-by-step-test\.com\./,
      );

      dns.publishTxt(name, 'sso-verification=someone-elses-value');
      expect((await verify(service, org.key, claim.id)).verificationError).toMatch(
        /has another value \("sso-verification=someone-elses-value"\); set it to the value shown/,
      );

      // Among other TXT records, and split in chunks as DNS hosts do with long values.
      dns.publishTxt(name, 'v=spf1 -all', [value.slice(0, 10), value.slice(10)]);
      const verified = await verify(service, org.key, claim.id);
      expect(verified).toMatchObject({ status: 'VERIFIED', verificationError: null, verificationMethod: 'DNS' });
      expect(Date.now() - Date.parse(verified.verifiedAt!)).toBeLessThan(60_000);
      expect(await auditActions(service, org.id)).toContainEqual({
        action: 'domain.verified',
        actor: expect.stringMatching(/^api_key:/),
        targetId: claim.id,
      });
    });

    it('answers PENDING with the reason, in bounded time, when the DNS server is silent or failing', async () => {
      const org = await organization(service, 'Flaky DNS');
      const claim = await add(service, org.key, org.id, 'flaky-dns-test.com');
      dns.addZone('flaky-dns-test.com');
      dns.publishTxt(claim.verificationRecord.name, claim.verificationRecord.value);
      try {
        dns.setMode('silent');
        const started = Date.now();
        const silent = await verify(service, org.key, claim.id);
        expect(Date.now() - started).toBeLessThan(DNS_BOUND_MS + 1000);
        expect(silent).toMatchObject({
          status: 'PENDING',
          verificationError: expect.stringMatching(/^The DNS server did not answer \(.+\); the check will be retried\.$/),
        });
        dns.setMode('servfail');
        expect((await verify(service, org.key, claim.id)).verificationError).toMatch(
          /did not answer \(the server reported a failure \(SERVFAIL\)\)/,
        );
      } finally {
        dns.setMode('answer');
      }
      expect((await verify(service, org.key, claim.id)).status).toBe('VERIFIED');
    });

    it('is NOT_FOUND for another organization’s domain, the same as for an unknown id', async () => {
      const owner = await organization(service, 'Owner Of Claim');
      const stranger = await organization(service, 'Stranger To Claim');
      const claim = await add(service, owner.key, owner.id, 'someone-elses-claim-test.com');
      const foreign = await graphql(service.url, stranger.key, VERIFY, { id: claim.id });
      const unknown = await graphql(service.url, stranger.key, VERIFY, { id: '00000000-0000-4000-8000-000000000000' });
      expect(errorCode(foreign)).toBe('NOT_FOUND');
      expect(foreign.errors![0].message).toBe(unknown.errors![0].message);
    });
  });

  describe('first verified wins', () => {
    it('fails the other organizations’ claims of the domain and of names under it, and refuses new ones, never naming the owner', async () => {
      const winner = await organization(service, 'Winner Corp');
      const rival = await organization(service, 'Rival Corp');
      const subsidiary = await organization(service, 'Subsidiary Corp');
      const winning = await add(service, winner.key, winner.id, 'first-wins-test.com');
      const rivalClaim = await add(service, rival.key, rival.id, 'first-wins-test.com');
      const underClaim = await add(service, subsidiary.key, subsidiary.id, 'eu.first-wins-test.com');
      const lookalike = await add(service, subsidiary.key, subsidiary.id, 'xfirst-wins-test.com');
      dns.addZone('first-wins-test.com');
      dns.publishTxt(winning.verificationRecord.name, winning.verificationRecord.value);
      // The rival publishes its own value too: it is too late once the winner is verified.
      dns.publishTxt(winning.verificationRecord.name, winning.verificationRecord.value, rivalClaim.verificationRecord.value);
      expect((await verify(service, winner.key, winning.id)).status).toBe('VERIFIED');

      const rivalView = (await graphqlOk(service.url, rival.key, DOMAINS, { id: rival.id })).organization.domains as DomainView[];
      expect(rivalView).toEqual([
        expect.objectContaining({
          id: rivalClaim.id,
          status: 'FAILED',
          verificationError: 'This domain was verified by another organization.',
        }),
      ]);
      const subsidiaryView = (await graphqlOk(service.url, subsidiary.key, DOMAINS, { id: subsidiary.id })).organization
        .domains as DomainView[];
      expect(subsidiaryView.find((claim) => claim.id === underClaim.id)).toMatchObject({
        status: 'FAILED',
        verificationError: 'This domain was verified by another organization.',
      });
      expect(subsidiaryView.find((claim) => claim.id === lookalike.id)).toMatchObject({ status: 'PENDING' });
      expect(await auditActions(service, rival.id)).toContainEqual({
        action: 'domain.verification_failed',
        actor: 'system',
        targetId: rivalClaim.id,
      });

      const refusals = [
        await graphql(service.url, rival.key, VERIFY, { id: rivalClaim.id }),
        await graphql(service.url, rival.key, ADD, { organizationId: rival.id, domain: 'mail.first-wins-test.com' }),
        await graphql(service.url, PLATFORM_KEY, MARK, { id: underClaim.id }),
        await graphql(service.url, PLATFORM_KEY, ADD, { organizationId: subsidiary.id, domain: 'first-wins-test.com' }),
      ];
      for (const refused of refusals) {
        expect(refused.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'domain' });
        expect(refused.errors![0].message).not.toMatch(/Winner|first-wins-test\.com|[0-9a-f]{8}-/);
        expect(refused.errors![0].message).not.toContain(winner.id);
      }
      // The winner itself may add names under its domain.
      expect((await add(service, winner.key, winner.id, 'eu.first-wins-test.com')).status).toBe('PENDING');
      const [{ count }] = await queryDatabase<{ count: string }>(
        service.databaseUrl,
        "SELECT count(*) FROM domains WHERE domain = 'first-wins-test.com' AND status = 'VERIFIED'",
      );
      expect(count).toBe('1');
    });
  });

  describe('markDomainVerified', () => {
    it('is for platform keys only, and audited', async () => {
      const org = await organization(service, 'Operator Checked');
      const claim = await add(service, org.key, org.id, 'operator-checked-test.com');
      const byOrganization = await graphql(service.url, org.key, MARK, { id: claim.id });
      expect(errorCode(byOrganization)).toBe('FORBIDDEN');
      expect((await domainRow(service.databaseUrl, claim.id)).status).toBe('PENDING');
      const marked = (await graphqlOk<{ markDomainVerified: DomainView }>(service.url, PLATFORM_KEY, MARK, { id: claim.id }))
        .markDomainVerified;
      expect(marked).toMatchObject({ status: 'VERIFIED', verificationMethod: 'OPERATOR', nextCheckAt: null });
      expect(await auditActions(service, org.id)).toContainEqual({
        action: 'domain.marked_verified',
        actor: expect.stringMatching(/^api_key:/),
        targetId: claim.id,
      });
    });
  });

  describe('what a verified domain is for', () => {
    let idp: TestIdp;
    const DOMAIN = 'routing-verified-test.com';

    beforeAll(async () => {
      idp = await startTestIdp({ accounts: [{ sub: 'vera', email: `vera@${DOMAIN}`, email_verified: true }] });
    });

    afterAll(async () => {
      await idp?.close();
    });

    it('only a VERIFIED domain routes /sso/discover, admits logins and counts for require-SSO; a removed one is named when it refuses', async () => {
      const org = await organization(service, 'Routing Verified');
      const claim = await add(service, org.key, org.id, DOMAIN);
      const connection = await createConnection(
        service.url,
        {
          organizationId: org.id,
          type: 'GENERIC_OIDC',
          discoveryUrl: idp.discoveryUrl,
          clientId: 'routing-app',
          clientSecret: 'routing-secret',
        },
        org.key,
      );
      idp.registerClient({ clientId: 'routing-app', clientSecret: 'routing-secret', redirectUris: [connection.redirectUri] });
      const discover = () => fetch(`${service.url}/sso/discover?email=vera@${DOMAIN}`, { redirect: 'manual' });
      const login = async () => {
        const browser = new TestBrowser();
        const initiate = await browser.get(`${service.url}/sso/initiate/${connection.id}`);
        return browser.get(await idp.signIn(initiate.headers.get('location')!, 'vera'), { accept: 'application/json' });
      };
      const latestAttempt = async () =>
        (
          await graphqlOk(
            service.url,
            org.key,
            'query($id: ID!) { loginAttempts(organizationId: $id, first: 1) { outcome errorCode reason } }',
            { id: org.id },
          )
        ).loginAttempts[0];
      const magicLink = () =>
        fetch(`${service.url}/auth/magic-link`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ email: `vera@${DOMAIN}` }),
        });

      // PENDING: counts for nothing.
      expect((await discover()).status).toBe(404);
      const pendingLogin = await login();
      expect(((await pendingLogin.json()) as { error: string }).error).toBe('domain_not_allowed');
      expect(await latestAttempt()).toMatchObject({
        outcome: 'REFUSED',
        errorCode: 'domain_not_allowed',
        reason: expect.stringMatching(new RegExp(`^${DOMAIN} is not verified \\(PENDING`)),
      });

      // VERIFIED through DNS: routes, admits, and SSO can be required for it.
      dns.addZone(DOMAIN);
      dns.publishTxt(claim.verificationRecord.name, claim.verificationRecord.value);
      expect((await verify(service, org.key, claim.id)).status).toBe('VERIFIED');
      expect((await discover()).headers.get('location')).toBe(`${service.url}/sso/initiate/${connection.id}`);
      expect((await login()).status).toBe(302);
      await graphqlOk(
        service.url,
        org.key,
        'mutation($id: ID!) { updateOrganization(id: $id, input: { ssoRequired: true }) { ssoRequired } }',
        { id: org.id },
      );
      const required = await magicLink();
      expect(required.status).toBe(403);
      expect(await required.json()).toMatchObject({ error: 'sso_required' });

      // Removed: audited, no longer routes or counts, and the refusal says why.
      expect(await graphqlOk(service.url, org.key, REMOVE, { id: claim.id })).toEqual({ removeDomain: true });
      const [removal] = await queryDatabase<{ details: { domain: string; status: string } }>(
        service.databaseUrl,
        "SELECT details FROM audit_events WHERE action = 'domain.removed' AND target_id = $1",
        [claim.id],
      );
      expect(removal.details).toEqual({ domain: DOMAIN, status: 'VERIFIED' });
      expect((await discover()).status).toBe(404);
      expect((await magicLink()).status).toBe(202);
      expect(((await (await login()).json()) as { error: string }).error).toBe('domain_not_allowed');
      expect(await latestAttempt()).toMatchObject({
        errorCode: 'domain_not_allowed',
        reason: expect.stringMatching(new RegExp(`^${DOMAIN} was removed from the organization's domains on `)),
      });
    });
  });
});

/** Intervals in milliseconds instead of minutes and days, so the background check runs while the test waits. */
const FAST_CHECKS = {
  ...DNS_ENV,
  // One try per lookup, so that a busy test process answering late is not asked twice (the lookup counts below).
  DNS_TIMEOUT_MS: '1500',
  DNS_TRIES: '1',
  DOMAIN_CHECK_POLL_MS: '100',
  DOMAIN_PENDING_RETRY_FIRST_MS: '150',
  DOMAIN_PENDING_RETRY_MAX_MS: '300',
  DOMAIN_PENDING_GIVE_UP_MS: '6000',
  DOMAIN_RECHECK_MS: '300',
  DOMAIN_RECORD_GRACE_MS: '2000',
};

describe('Background domain checks', () => {
  let dns: TestDnsServer;
  let database: TestDatabase;
  let service: TestApp;

  beforeAll(async () => {
    dns = await TestDnsServer.start();
    database = await createTestDatabase();
    service = await startTestApp({ database, env: { DNS_SERVERS: dns.address, ...FAST_CHECKS } });
  });

  afterAll(async () => {
    await service?.close();
    await database?.drop();
    await dns?.close();
  });

  it('verifies a pending domain by itself once its record appears', async () => {
    const org = await organization(service, 'Patient Admin');
    const claim = await add(service, org.key, org.id, 'background-verify-test.com');
    dns.addZone('background-verify-test.com');
    await eventually(async () => expect((await domainRow(database.url, claim.id)).check_attempts).toBeGreaterThanOrEqual(1), SLOW_MACHINE);
    expect((await domainRow(database.url, claim.id)).verification_error).toMatch(/^No TXT record was found/);
    dns.publishTxt(claim.verificationRecord.name, claim.verificationRecord.value);
    await eventually(async () => expect((await domainRow(database.url, claim.id)).status).toBe('VERIFIED'), SLOW_MACHINE);
    expect(await auditActions(service, org.id)).toContainEqual({ action: 'domain.verified', actor: 'system', targetId: claim.id });
  });

  it('gives a pending domain up as FAILED with the reason once the retry window has passed', async () => {
    const org = await organization(service, 'Forgetful Admin');
    const claim = await add(service, org.key, org.id, 'background-give-up-test.com');
    dns.addZone('background-give-up-test.com');
    await eventually(async () => expect((await domainRow(database.url, claim.id)).status).toBe('FAILED'), SLOW_MACHINE);
    const failed = await domainRow(database.url, claim.id);
    expect(failed.verification_error).toMatch(
      /^Not verified within the retry window\. Last check: No TXT record was found at _sso-challenge\.background-give-up-test\.com/,
    );
    expect(failed.next_check_at).toBeNull();
    expect(await auditActions(service, org.id)).toContainEqual({
      action: 'domain.verification_failed',
      actor: 'system',
      targetId: claim.id,
    });
    // A manual verification later starts it over.
    dns.publishTxt(claim.verificationRecord.name, claim.verificationRecord.value);
    expect((await verify(service, org.key, claim.id)).status).toBe('VERIFIED');
  });

  it('re-checks a verified domain and unverifies it (audited, and named when it refuses a login) when its record stays missing for the grace period', async () => {
    const org = await organization(service, 'Careless DNS');
    const claim = await add(service, org.key, org.id, 'background-recheck-test.com');
    const idp = await startTestIdp({ accounts: [{ sub: 'rita', email: 'rita@background-recheck-test.com', email_verified: true }] });
    const connection = await createConnection(
      service.url,
      {
        organizationId: org.id,
        type: 'GENERIC_OIDC',
        discoveryUrl: idp.discoveryUrl,
        clientId: 'recheck-app',
        clientSecret: 'recheck-secret',
      },
      org.key,
    );
    idp.registerClient({ clientId: 'recheck-app', clientSecret: 'recheck-secret', redirectUris: [connection.redirectUri] });
    const login = async () => {
      const browser = new TestBrowser();
      const initiate = await browser.get(`${service.url}/sso/initiate/${connection.id}`);
      return browser.get(await idp.signIn(initiate.headers.get('location')!, 'rita'), { accept: 'application/json' });
    };
    dns.addZone('background-recheck-test.com');
    dns.publishTxt(claim.verificationRecord.name, claim.verificationRecord.value);
    expect((await verify(service, org.key, claim.id)).status).toBe('VERIFIED');
    const before = dns.queriesFor(claim.verificationRecord.name);
    await eventually(() => expect(dns.queriesFor(claim.verificationRecord.name)).toBeGreaterThan(before + 1), SLOW_MACHINE);
    expect((await domainRow(database.url, claim.id)).status).toBe('VERIFIED');

    dns.withdrawTxt(claim.verificationRecord.name);
    await eventually(
      async () =>
        expect((await domainRow(database.url, claim.id)).verification_error).toMatch(
          /was not found \(missing since .*\); publish it again/,
        ),
      SLOW_MACHINE,
    );
    expect((await domainRow(database.url, claim.id)).status).toBe('VERIFIED');
    await eventually(async () => expect((await domainRow(database.url, claim.id)).status).toBe('PENDING'), SLOW_MACHINE);
    // Then retried like a new claim (its verificationError moves on to the latest check's reason).
    const [unverified] = await queryDatabase<{ actor: string; details: { reason: string } }>(
      database.url,
      "SELECT actor, details FROM audit_events WHERE action = 'domain.unverified' AND target_id = $1",
      [claim.id],
    );
    expect(unverified).toEqual({
      actor: 'system',
      details: expect.objectContaining({
        reason: expect.stringMatching(/has been missing since .*, so the domain no longer counts as verified/),
      }),
    });
    try {
      expect(((await (await login()).json()) as { error: string }).error).toBe('domain_not_allowed');
      const { loginAttempts } = await graphqlOk(
        service.url,
        org.key,
        'query($id: ID!) { loginAttempts(organizationId: $id, first: 1) { errorCode reason } }',
        { id: org.id },
      );
      expect(loginAttempts[0]).toMatchObject({
        errorCode: 'domain_not_allowed',
        reason: expect.stringMatching(
          /^background-recheck-test\.com stopped counting as verified on .*: its TXT record went missing \(now (PENDING|FAILED)/,
        ),
      });
    } finally {
      await idp.close();
    }
  });

  it('never re-checks a domain the operator marked verified', async () => {
    const org = await organization(service, 'Operator Trusted');
    const claim = await add(service, org.key, org.id, 'background-operator-test.com');
    await graphqlOk(service.url, PLATFORM_KEY, MARK, { id: claim.id });
    const before = dns.queriesFor(claim.verificationRecord.name);
    // Another claim's background checks show rounds going by meanwhile.
    const witness = await add(service, org.key, org.id, 'background-witness-test.com');
    dns.addZone('background-witness-test.com');
    await eventually(
      async () => expect((await domainRow(database.url, witness.id)).check_attempts).toBeGreaterThanOrEqual(1),
      SLOW_MACHINE,
    );
    expect(dns.queriesFor(claim.verificationRecord.name)).toBe(before);
    expect((await domainRow(database.url, claim.id)).status).toBe('VERIFIED');
  });

  it('keeps its schedule in the database, so it carries on after a restart', async () => {
    const org = await organization(service, 'Restarted Service');
    const claim = await add(service, org.key, org.id, 'background-restart-test.com');
    dns.addZone('background-restart-test.com');
    await eventually(async () => expect((await domainRow(database.url, claim.id)).check_attempts).toBeGreaterThanOrEqual(1), SLOW_MACHINE);
    await service.close();
    const stopped = await domainRow(database.url, claim.id);
    dns.publishTxt(claim.verificationRecord.name, claim.verificationRecord.value);
    service = await startTestApp({ database, env: { DNS_SERVERS: dns.address, ...FAST_CHECKS } });
    await eventually(async () => expect((await domainRow(database.url, claim.id)).status).toBe('VERIFIED'), SLOW_MACHINE);
    expect(stopped.status).toBe('PENDING');
  });

  it('checks each claim on one instance at a time when several run', async () => {
    const org = await organization(service, 'Two Instances');
    dns.addZone('two-instances-test.com');
    const claims = await Promise.all(
      Array.from({ length: 6 }, (_, index) => add(service, org.key, org.id, `c${index}.two-instances-test.com`)),
    );
    for (let index = 0; index < claims.length; index++) dns.addZone(`c${index}.two-instances-test.com`);
    const second = await startTestApp({ database, env: { DNS_SERVERS: dns.address, ...FAST_CHECKS } });
    try {
      // Checked in rounds until the retry window ends: every lookup of them is done once all are FAILED.
      await eventually(async () => {
        for (const claim of claims) expect((await domainRow(database.url, claim.id)).status).toBe('FAILED');
      }, SLOW_MACHINE);
    } finally {
      await second.close();
      await service.close();
    }
    // Every lookup was counted once: two instances checking the same claim at once would look up twice for one attempt.
    for (const claim of claims) {
      const { check_attempts: attempts, status } = await domainRow(database.url, claim.id);
      expect(attempts).toBeGreaterThanOrEqual(2);
      expect({ status, lookups: dns.queriesFor(claim.verificationRecord.name) }).toEqual({ status: 'FAILED', lookups: attempts });
    }
    service = await startTestApp({ database, env: { DNS_SERVERS: dns.address, ...FAST_CHECKS } });
  });
});

describe('Upgrade: domains claimed before verification existed', () => {
  let database: TestDatabase;
  let dns: TestDnsServer;
  let idp: TestIdp;

  beforeAll(async () => {
    database = await createTestDatabase();
    dns = await TestDnsServer.start();
    idp = await startTestIdp();
  });

  afterAll(async () => {
    await database?.drop();
    await dns?.close();
    await idp?.close();
  });

  it('keeps every existing domain VERIFIED (grandfathered), with an audit event each, never re-checks it, and migrates down again', async () => {
    const upTo = MIGRATIONS.indexOf(VerifyDomains1795510000000);
    const old = new DataSource({ ...dataSourceOptions(database.url), migrations: MIGRATIONS.slice(0, upTo) });
    await old.initialize();
    await old.runMigrations();
    const organizations = (await old.query(
      "INSERT INTO organizations (name, slug) SELECT 'Old org ' || i, 'old-org-' || i FROM generate_series(1, 3) i RETURNING id",
    )) as { id: string }[];
    const before = (await old.query(
      `INSERT INTO domains (organization_id, domain, created_at)
       SELECT o.id, 'd' || d || '-' || o.slug || '.example-old.com', now() - (d || ' days')::interval
         FROM organizations o CROSS JOIN generate_series(1, 2) d
       RETURNING id, organization_id, domain, created_at`,
    )) as { id: string; organization_id: string; domain: string; created_at: Date }[];
    await old.destroy();
    expect(before).toHaveLength(2 * organizations.length);

    const service = await startTestApp({ database, env: { DNS_SERVERS: dns.address, ...FAST_CHECKS } });
    try {
      const after = await queryDatabase<{
        id: string;
        organization_id: string;
        domain: string;
        created_at: Date;
        status: string;
        verification_method: string;
        verified_at: Date | null;
        verification_token: string;
        next_check_at: Date | null;
      }>(
        database.url,
        'SELECT id, organization_id, domain, created_at, status, verification_method, verified_at, verification_token, next_check_at FROM domains ORDER BY domain',
      );
      const audits = await queryDatabase<{ organization_id: string; target_id: string; actor: string; details: { domain: string } }>(
        database.url,
        "SELECT organization_id, target_id, actor, details FROM audit_events WHERE action = 'domain.grandfathered'",
      );
      expect(after).toHaveLength(before.length);
      for (const row of [...before].sort((a, b) => a.domain.localeCompare(b.domain)).map((old, index) => ({ old, now: after[index] }))) {
        expect(row.now).toEqual({
          id: row.old.id,
          organization_id: row.old.organization_id,
          domain: row.old.domain,
          created_at: row.old.created_at,
          status: 'VERIFIED',
          verification_method: 'GRANDFATHERED',
          verified_at: expect.any(Date),
          verification_token: expect.stringMatching(/^[0-9a-f]{64}$/),
          next_check_at: null,
        });
        expect(audits.filter((audit) => audit.target_id === row.old.id)).toEqual([
          {
            organization_id: row.old.organization_id,
            target_id: row.old.id,
            actor: 'system',
            details: expect.objectContaining({ domain: row.old.domain }),
          },
        ]);
      }
      expect(new Set(after.map((row) => row.verification_token)).size).toBe(after.length);
      // Still routes: a grandfathered domain counts like any verified one.
      const connection = await createConnection(service.url, {
        organizationId: before[0].organization_id,
        type: 'GENERIC_OIDC',
        discoveryUrl: idp.discoveryUrl,
        clientId: 'old',
        clientSecret: 'old-secret',
      });
      const discover = await fetch(`${service.url}/sso/discover?email=someone@${before[0].domain}`, { redirect: 'manual' });
      expect(discover.headers.get('location')).toBe(`${service.url}/sso/initiate/${connection.id}`);
      // No TXT record was ever asked of them: the background check, busy with a new claim, leaves them alone.
      const witness = await add(service, PLATFORM_KEY, before[0].organization_id, 'upgrade-witness-test.com');
      dns.addZone('upgrade-witness-test.com');
      await eventually(
        async () => expect((await domainRow(database.url, witness.id)).check_attempts).toBeGreaterThanOrEqual(1),
        SLOW_MACHINE,
      );
      expect([...dns.queries.keys()].filter((name) => name.endsWith('example-old.com'))).toEqual([]);
    } finally {
      await service.close();
    }

    // Down again: one claim per domain, as the old schema knew it (the pending witness cannot stay).
    const reverted = new DataSource(dataSourceOptions(database.url));
    await reverted.initialize();
    try {
      for (let undone = MIGRATIONS.length; undone > upTo; undone--) await reverted.undoLastMigration();
      const rows = (await reverted.query('SELECT id, organization_id, domain, created_at FROM domains ORDER BY domain')) as typeof before;
      expect(rows).toEqual([...before].sort((a, b) => a.domain.localeCompare(b.domain)));
    } finally {
      await reverted.destroy();
    }
  });
});
