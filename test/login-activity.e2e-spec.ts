import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PLATFORM_KEY, startTestApp, type TestApp } from './support/app';
import { errorCode, graphql, graphqlOk } from './support/graphql';
import { queryDatabase, type TestDatabase } from './support/database';
import { startTestIdp, type TestIdp } from './support/test-idp';
import { TestBrowser } from './support/browser';
import { LoginActivityService } from '../src/login-activity/login-activity.service';
import { addVerifiedDomain } from './support/domains';
import { createApiKey, createConnection } from './support/fixtures';

const ATTEMPTS = `query($organizationId: ID!, $connectionId: ID, $first: Int) {
  loginAttempts(organizationId: $organizationId, connectionId: $connectionId, first: $first) {
    id connectionId organizationId at outcome errorCode reason subject email correlationId
  }
}`;

const REFUSAL_COUNTS = `query($organizationId: ID!) {
  loginRefusalCounts(organizationId: $organizationId) { connectionId minute errorCode count }
}`;

interface RefusalCount {
  connectionId: string;
  minute: string;
  errorCode: string;
  count: number;
}

interface Attempt {
  id: string;
  connectionId: string;
  outcome: string;
  errorCode: string | null;
  reason: string | null;
  subject: string | null;
  email: string | null;
  correlationId: string;
}

describe('Login activity', () => {
  let service: TestApp & { database: TestDatabase };
  let idp: TestIdp;
  let organizationId: string;
  let connectionId: string;
  let orgKey: string;

  /** Initiate, sign in at the IdP, come back; the callback URL and its JSON answer. */
  async function login(sub: string) {
    const browser = new TestBrowser();
    const initiate = await browser.get(`${service.url}/sso/initiate/${connectionId}`);
    const callbackUrl = await idp.signIn(initiate.headers.get('location')!, sub);
    const callback = await browser.get(callbackUrl, { accept: 'application/json' });
    return { browser, callbackUrl, callback };
  }

  const refusalCounts = async () =>
    (await graphqlOk<{ loginRefusalCounts: RefusalCount[] }>(service.url, orgKey, REFUSAL_COUNTS, { organizationId })).loginRefusalCounts;
  const total = (counts: RefusalCount[], code: string) =>
    counts.filter((row) => row.errorCode === code).reduce((sum, row) => sum + row.count, 0);

  const attempts = async (key = orgKey, variables: Record<string, unknown> = {}) =>
    (await graphqlOk<{ loginAttempts: Attempt[] }>(service.url, key, ATTEMPTS, { organizationId, ...variables })).loginAttempts;

  beforeAll(async () => {
    idp = await startTestIdp({
      accounts: [
        { sub: 'amy-sub', email: 'amy@activity-test.com', email_verified: true, given_name: 'Amy' },
        { sub: 'outsider-sub', email: 'outsider@elsewhere-example.com', email_verified: true },
      ],
    });
    service = await startTestApp();
    ({
      createOrganization: { id: organizationId },
    } = await graphqlOk(service.url, PLATFORM_KEY, 'mutation { createOrganization(input: { name: "Activity Test" }) { id } }'));
    await addVerifiedDomain(service.url, organizationId, 'activity-test.com');
    const connection = await createConnection(service.url, {
      organizationId,
      type: 'GENERIC_OIDC',
      discoveryUrl: idp.discoveryUrl,
      clientId: 'activity-app',
      clientSecret: 'activity-secret-value',
    });
    connectionId = connection.id;
    idp.registerClient({ clientId: 'activity-app', clientSecret: 'activity-secret-value', redirectUris: [connection.redirectUri] });
    orgKey = (await createApiKey(service.url, organizationId, ['admin'])).secret;
  });

  afterAll(async () => {
    await service.close();
    await service.database.drop();
    await idp.close();
  });

  it('records a successful login with the IdP’s subject and email, and the request id', async () => {
    const { callback } = await login('amy-sub');
    expect(callback.status).toBe(302);
    const [latest] = await attempts();
    expect(latest).toMatchObject({
      connectionId,
      outcome: 'SUCCEEDED',
      errorCode: null,
      reason: null,
      subject: 'amy-sub',
      email: 'amy@activity-test.com',
    });
    expect(latest.correlationId).toBe(callback.headers.get('x-request-id'));
  });

  it('records a refused login with the code and the reference shown on the error page, and never a token', async () => {
    const { callbackUrl, callback } = await login('outsider-sub');
    const page = (await callback.json()) as { error: string; correlationId: string };
    expect(page.error).toBe('domain_not_allowed');
    const [latest] = await attempts();
    expect(latest).toMatchObject({
      outcome: 'REFUSED',
      errorCode: 'domain_not_allowed',
      subject: 'outsider-sub',
      email: 'outsider@elsewhere-example.com',
      correlationId: page.correlationId,
      reason: expect.stringContaining('elsewhere-example.com'),
    });
    const code = new URL(callbackUrl).searchParams.get('code')!;
    const stored = JSON.stringify(await queryDatabase(service.databaseUrl, 'SELECT * FROM login_attempts'));
    expect(stored).not.toContain(code);
    expect(stored).not.toContain('activity-secret-value');
  });

  it('counts a replayed callback and a refused initiate on an inactive connection per minute, without an attempt each', async () => {
    const { browser, callbackUrl } = await login('amy-sub');
    const before = await attempts();
    const replay = await browser.get(callbackUrl, { accept: 'application/json' });
    expect(((await replay.json()) as { error: string }).error).toBe('invalid_state');

    await graphqlOk(service.url, PLATFORM_KEY, 'mutation($id: ID!) { updateConnection(id: $id, input: { state: INACTIVE }) { id } }', {
      id: connectionId,
    });
    try {
      const refused = await fetch(`${service.url}/sso/initiate/${connectionId}`, { headers: { accept: 'application/json' } });
      expect(refused.status).toBe(403);
    } finally {
      await graphqlOk(service.url, PLATFORM_KEY, 'mutation($id: ID!) { updateConnection(id: $id, input: { state: ACTIVE }) { id } }', {
        id: connectionId,
      });
    }
    expect(await attempts()).toEqual(before);
    const counted = await refusalCounts();
    expect(total(counted, 'invalid_state')).toBeGreaterThanOrEqual(1);
    expect(total(counted, 'connection_inactive')).toBe(1);
  });

  it('counts 200 anonymous initiates with a bogus iss in one row a minute, answers 429 past the per-address limit, and stores no attempt for them', async () => {
    const limited = await startTestApp({ database: service.database, env: { SSO_REFUSALS_PER_MINUTE: '50' } });
    try {
      const [{ rows: rowsBefore }] = await queryDatabase<{ rows: number }>(
        service.databaseUrl,
        'SELECT count(*)::int AS rows FROM login_attempts',
      );
      const countedBefore = total(await refusalCounts(), 'invalid_request');
      const statuses = await Promise.all(
        Array.from({ length: 200 }, (_, index) =>
          fetch(`${limited.url}/sso/initiate/${connectionId}?iss=${encodeURIComponent(`https://bogus-${index}.example`)}`, {
            redirect: 'manual',
            headers: { accept: 'application/json', 'x-forwarded-for': '203.0.113.200', 'x-request-id': `flood-${index}` },
          }).then((response) => response.status),
        ),
      );
      // 50 from the shared count; under a flood some counts wait past the store's timeout and the
      // instance's memory decides those, which admits at most one more limit's worth.
      const refusedWithPage = statuses.filter((status) => status === 400).length;
      expect(refusedWithPage).toBeGreaterThanOrEqual(50);
      expect(refusedWithPage).toBeLessThanOrEqual(100);
      expect(statuses.filter((status) => status === 429)).toHaveLength(200 - refusedWithPage);
      expect(await queryDatabase(service.databaseUrl, 'SELECT count(*)::int AS rows FROM login_attempts')).toEqual([{ rows: rowsBefore }]);
      const counted = await refusalCounts();
      expect(total(counted, 'invalid_request') - countedBefore).toBe(200);
      // One row a minute (two when the flood straddles a minute).
      expect(counted.filter((row) => row.errorCode === 'invalid_request').length).toBeLessThanOrEqual(2);
      // The flooding address is limited, no one else: a person's login starts as usual.
      expect(
        (
          await fetch(`${limited.url}/sso/initiate/${connectionId}`, {
            redirect: 'manual',
            headers: { 'x-forwarded-for': '203.0.113.201' },
          })
        ).status,
      ).toBe(302);
    } finally {
      await limited.close();
    }
  });

  it('takes a login’s reference from the service, never from the caller’s X-Request-Id', async () => {
    const browser = new TestBrowser();
    const initiate = await browser.get(`${service.url}/sso/initiate/${connectionId}`);
    const callbackUrl = await idp.signIn(initiate.headers.get('location')!, 'outsider-sub');
    const callback = await browser.get(callbackUrl, { accept: 'application/json', 'x-request-id': 'chosen-by-the-caller' });
    const page = (await callback.json()) as { error: string; correlationId: string };
    expect(page.error).toBe('domain_not_allowed');
    expect(page.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    const [latest] = await attempts();
    expect(latest).toMatchObject({ errorCode: 'domain_not_allowed', correlationId: page.correlationId });
    expect(JSON.stringify(await queryDatabase(service.databaseUrl, 'SELECT correlation_id FROM login_attempts'))).not.toContain(
      'chosen-by-the-caller',
    );
  });

  it('filters by connection and limits the page', async () => {
    const all = await attempts(orgKey, { connectionId });
    expect(all.length).toBeGreaterThanOrEqual(4);
    expect(all.every((attempt) => attempt.connectionId === connectionId)).toBe(true);
    expect(await attempts(orgKey, { first: 2 })).toHaveLength(2);
  });

  it('shows another organization nothing', async () => {
    const { createOrganization } = await graphqlOk(
      service.url,
      PLATFORM_KEY,
      'mutation { createOrganization(input: { name: "Activity Other" }) { id } }',
    );
    const otherKey = (await createApiKey(service.url, createOrganization.id, ['admin'])).secret;
    const foreign = await graphql(service.url, otherKey, ATTEMPTS, { organizationId });
    expect(errorCode(foreign)).toBe('FORBIDDEN');
    expect(foreign.data?.loginAttempts ?? null).toBeNull();
    const ownWithOtherConnection = await graphqlOk<{ loginAttempts: Attempt[] }>(service.url, otherKey, ATTEMPTS, {
      organizationId: createOrganization.id,
      connectionId,
    });
    expect(ownWithOtherConnection.loginAttempts).toEqual([]);
    const foreignCounts = await graphql(service.url, otherKey, REFUSAL_COUNTS, { organizationId });
    expect(errorCode(foreignCounts)).toBe('FORBIDDEN');
    expect(foreignCounts.data?.loginRefusalCounts ?? null).toBeNull();
    expect((await attempts(PLATFORM_KEY)).length).toBeGreaterThan(0);
  });

  it('prunes attempts and refusal counts older than 30 days on its schedule', async () => {
    const [recent] = await attempts();
    await queryDatabase(
      service.databaseUrl,
      `INSERT INTO login_attempts (organization_id, connection_id, at, outcome, correlation_id) VALUES ($1, $2, now() - interval '31 days', 'REFUSED', 'old-ref')`,
      [organizationId, connectionId],
    );
    await queryDatabase(
      service.databaseUrl,
      `INSERT INTO login_refusal_counts (organization_id, connection_id, minute, error_code, count) VALUES ($1, $2, date_trunc('minute', now() - interval '31 days'), 'old_code', 3)`,
      [organizationId, connectionId],
    );
    await service.app.get(LoginActivityService).pruneHourly();
    expect(await queryDatabase(service.databaseUrl, `SELECT count FROM login_refusal_counts WHERE error_code = 'old_code'`)).toEqual([]);
    expect(total(await refusalCounts(), 'invalid_request')).toBeGreaterThan(0);
    const left = await queryDatabase<{ id: string; correlation_id: string }>(
      service.databaseUrl,
      'SELECT id, correlation_id FROM login_attempts',
    );
    expect(left.map((row) => row.correlation_id)).not.toContain('old-ref');
    expect(left.map((row) => row.id)).toContain(recent.id);
  });
});
