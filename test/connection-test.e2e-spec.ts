import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PLATFORM_KEY, startTestApp, type TestApp } from './support/app';
import { errorCode, graphql, graphqlOk } from './support/graphql';
import { queryDatabase, type TestDatabase } from './support/database';
import { startTestIdp, type TestIdp } from './support/test-idp';
import { TestBrowser } from './support/browser';
import { addVerifiedDomain } from './support/domains';
import { connectTestIdp, createApiKey } from './support/fixtures';

const TEST_CONNECTION = 'mutation($id: ID!) { testConnection(id: $id) { url test { id connectionId expiresAt completedAt succeeded } } }';
const CONNECTION_TESTS = `query($id: ID!) { connectionTests(connectionId: $id) {
  id succeeded completedAt issuer subject email firstName lastName groups roles problems { code message blocksLogin }
} }`;
const VERIFICATION = 'query($id: ID!) { connection(id: $id) { verifiedAt lastLoginAt } }';

describe('Test sign-in', () => {
  let service: TestApp & { database: TestDatabase };
  let idp: TestIdp;
  let organizationId: string;
  let orgKey: string;
  let goodConnectionId: string;
  let otherConnectionId: string;

  /** The admin asks for a test link, opens it, signs in at the IdP as `sub`, and reads the callback's answer. */
  async function runTest(connectionId: string, sub: string, accept = 'application/json') {
    const { testConnection } = await graphqlOk(service.url, orgKey, TEST_CONNECTION, { id: connectionId });
    expect(testConnection.test).toMatchObject({ connectionId, completedAt: null, succeeded: null });
    const browser = new TestBrowser();
    const start = await browser.get(testConnection.url);
    expect(start.status).toBe(302);
    const authorization = new URL(start.headers.get('location')!);
    expect(authorization.searchParams.get('prompt')).toBe('login');
    const callback = await browser.get(await idp.signIn(authorization.href, sub), { accept });
    return { browser, callback, url: testConnection.url as string, testId: testConnection.test.id as string };
  }

  beforeAll(async () => {
    idp = await startTestIdp({
      accounts: [
        {
          sub: 'tess-sub',
          email: 'tess@conntest.com',
          email_verified: true,
          given_name: 'Tess',
          family_name: 'Ter',
          groups: ['it-admins', 'staff'],
        },
        { sub: 'outsider-sub', email: 'out@elsewhere-example.com', email_verified: true, given_name: 'Out' },
        { sub: 'no-email-sub', given_name: 'Nomail' },
      ],
    });
    service = await startTestApp();
    ({
      createOrganization: { id: organizationId },
    } = await graphqlOk(service.url, PLATFORM_KEY, 'mutation { createOrganization(input: { name: "Conn Test" }) { id } }'));
    await addVerifiedDomain(service.url, organizationId, 'conntest.com');
    orgKey = (await createApiKey(service.url, organizationId, ['admin'])).secret;
    goodConnectionId = await connectTestIdp(service.url, idp, organizationId, 'good-app');
    otherConnectionId = await connectTestIdp(service.url, idp, organizationId, 'other-app');
    await graphqlOk(service.url, PLATFORM_KEY, 'mutation($input: CreateRoleMappingInput!) { createRoleMapping(input: $input) { id } }', {
      input: { connectionId: goodConnectionId, idpGroupId: 'it-admins', role: 'admin' },
    });
  });

  afterAll(async () => {
    await service.close();
    await service.database.drop();
    await idp.close();
  });

  it('reports what the IdP sent and the roles it maps to, marks the connection verified, and creates nobody', async () => {
    expect((await graphqlOk(service.url, orgKey, VERIFICATION, { id: goodConnectionId })).connection).toEqual({
      verifiedAt: null,
      lastLoginAt: null,
    });
    const { browser, callback, testId } = await runTest(goodConnectionId, 'tess-sub');
    expect(callback.status).toBe(200);
    expect(callback.headers.getSetCookie().some((cookie) => cookie.startsWith('sso_session='))).toBe(false);
    expect(browser.cookie('sso_session')).toBeUndefined();
    const report = await callback.json();
    expect(report).toEqual({
      testId,
      connectionId: goodConnectionId,
      succeeded: true,
      issuer: idp.issuer,
      subject: 'tess-sub',
      email: 'tess@conntest.com',
      firstName: 'Tess',
      lastName: 'Ter',
      groups: ['it-admins', 'staff'],
      roles: ['admin'],
      problems: [],
    });

    const { connectionTests } = await graphqlOk(service.url, orgKey, CONNECTION_TESTS, { id: goodConnectionId });
    expect(connectionTests).toEqual([
      expect.objectContaining({
        id: testId,
        succeeded: true,
        completedAt: expect.any(String),
        subject: 'tess-sub',
        email: 'tess@conntest.com',
        roles: ['admin'],
        problems: [],
      }),
    ]);
    const { connection } = await graphqlOk(service.url, orgKey, VERIFICATION, { id: goodConnectionId });
    expect(connection.verifiedAt).toEqual(expect.any(String));
    expect(connection.lastLoginAt).toEqual(expect.any(String));

    const [created] = await queryDatabase<Record<string, string>>(
      service.databaseUrl,
      `SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM sso_identities) AS identities,
              (SELECT count(*) FROM memberships) AS memberships, (SELECT count(*) FROM sessions) AS sessions,
              (SELECT count(*) FROM login_attempts) AS attempts`,
    );
    expect(created).toEqual({ users: '0', identities: '0', memberships: '0', sessions: '0', attempts: '0' });
  });

  it('reports a domain that is not allowed on a page for the admin, and leaves the connection unverified', async () => {
    const { callback } = await runTest(otherConnectionId, 'outsider-sub', 'text/html');
    expect(callback.status).toBe(200);
    const page = await callback.text();
    expect(page).toContain('The connection needs attention');
    expect(page).toContain('domain_not_allowed');
    expect(page).toContain('out@elsewhere-example.com');
    const [latest] = (await graphqlOk(service.url, orgKey, CONNECTION_TESTS, { id: otherConnectionId })).connectionTests;
    expect(latest).toMatchObject({
      succeeded: false,
      email: 'out@elsewhere-example.com',
      problems: [{ code: 'domain_not_allowed', message: expect.stringContaining('elsewhere-example.com'), blocksLogin: true }],
    });
    expect((await graphqlOk(service.url, orgKey, VERIFICATION, { id: otherConnectionId })).connection).toEqual({
      verifiedAt: null,
      lastLoginAt: null,
    });
  });

  it('reports a missing email claim', async () => {
    const { callback } = await runTest(otherConnectionId, 'no-email-sub');
    expect(await callback.json()).toMatchObject({
      succeeded: false,
      subject: 'no-email-sub',
      email: null,
      firstName: 'Nomail',
      problems: [{ code: 'email_missing', blocksLogin: true }],
    });
  });

  it('reports a login that invite-only would refuse', async () => {
    await graphqlOk(
      service.url,
      PLATFORM_KEY,
      'mutation($id: ID!) { updateOrganization(id: $id, input: { jitProvisioning: false }) { id } }',
      { id: organizationId },
    );
    try {
      const { callback } = await runTest(goodConnectionId, 'tess-sub');
      expect(await callback.json()).toMatchObject({ succeeded: false, problems: [{ code: 'user_not_invited', blocksLogin: true }] });
    } finally {
      await graphqlOk(
        service.url,
        PLATFORM_KEY,
        'mutation($id: ID!) { updateOrganization(id: $id, input: { jitProvisioning: true }) { id } }',
        { id: organizationId },
      );
    }
  });

  it('serves each link once', async () => {
    const { url } = await runTest(goodConnectionId, 'tess-sub');
    const again = await fetch(url, { redirect: 'manual', headers: { accept: 'application/json' } });
    expect(again.status).toBe(400);
    expect(((await again.json()) as { error: string }).error).toBe('invalid_state');
  });

  it('lets no other organization start or read a test', async () => {
    const { createOrganization } = await graphqlOk(
      service.url,
      PLATFORM_KEY,
      'mutation { createOrganization(input: { name: "Conn Test Other" }) { id } }',
    );
    const otherKey = (await createApiKey(service.url, createOrganization.id, ['admin'])).secret;
    const start = await graphql(service.url, otherKey, TEST_CONNECTION, { id: goodConnectionId });
    expect(errorCode(start)).toBe('NOT_FOUND');
    const read = await graphql(service.url, otherKey, CONNECTION_TESTS, { id: goodConnectionId });
    expect(errorCode(read)).toBe('NOT_FOUND');
    expect(JSON.stringify(read)).not.toContain('tess');
  });
});
