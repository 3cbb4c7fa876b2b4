import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PLATFORM_KEY, startTestApp, type TestApp } from './support/app';
import { graphqlOk } from './support/graphql';
import { queryDatabase, type TestDatabase } from './support/database';
import { startRogueIdp, type RogueIdp } from './support/rogue-idp';
import { TestBrowser } from './support/browser';
import { addVerifiedDomain } from './support/domains';
import { createConnection } from './support/fixtures';

const TENANT = '5d6e7f80-1a2b-4c3d-8e9f-0a1b2c3d4e5f';

/** Entra's groups overage: the ID token names a groups source instead of listing the groups. */
describe('Entra groups overage', () => {
  let service: TestApp & { database: TestDatabase };
  let entra: RogueIdp;
  let connectionId: string;

  // What Entra really names: the retired Azure AD Graph, which the service never calls.
  const LEGACY_GRAPH_ENDPOINT = `https://graph.windows.net/${TENANT}/users/some-user/getMemberObjects`;
  const overageClaims = (sub: string, endpoint = LEGACY_GRAPH_ENDPOINT) => ({
    sub,
    tid: TENANT,
    email: `${sub}@overage-test.com`,
    email_verified: true,
    _claim_names: { groups: 'src1' },
    _claim_sources: { src1: { endpoint } },
  });

  async function rolesAfterLogin(): Promise<string[]> {
    const browser = new TestBrowser();
    const initiate = await browser.get(`${service.url}/sso/initiate/${connectionId}`);
    const callback = await browser.get(await entra.signIn(initiate.headers.get('location')!));
    expect(callback.status).toBe(302);
    return ((await (await browser.get(`${service.url}/auth/me`)).json()) as { roles: string[] }).roles;
  }

  beforeAll(async () => {
    // An IdP shaped like Entra (issuer <authority>/<tenant>/v2.0) that also serves a Graph-like groups source.
    entra = await startRogueIdp({ issuerPath: `/${TENANT}/v2.0`, clientId: 'overage-app' });
    service = await startTestApp({ env: { ENTRA_AUTHORITY: entra.origin, ENTRA_GRAPH_URL: entra.origin } });
    const { createOrganization } = await graphqlOk(
      service.url,
      PLATFORM_KEY,
      'mutation { createOrganization(input: { name: "Overage Test" }) { id } }',
    );
    await addVerifiedDomain(service.url, createOrganization.id, 'overage-test.com');
    const connection = await createConnection(service.url, {
      organizationId: createOrganization.id,
      type: 'ENTRA_ID',
      entraTenant: TENANT,
      clientId: 'overage-app',
      clientSecret: 'overage-secret',
    });
    connectionId = connection.id;
    await graphqlOk(service.url, PLATFORM_KEY, 'mutation($input: CreateRoleMappingInput!) { createRoleMapping(input: $input) { id } }', {
      input: { connectionId, idpGroupId: 'grp-admins-object-id', role: 'admin' },
    });
  });

  afterAll(async () => {
    await service.close();
    await service.database.drop();
    await entra.close();
  });

  const GRAPH_PATH = '/v1.0/me/getMemberObjects';

  it('fetches the groups from Microsoft Graph with the access token and maps them to roles', async () => {
    entra.behaviour.claims = overageClaims('many-groups');
    entra.behaviour.groupsSource = { groups: ['grp-other', 'grp-admins-object-id'] };
    const sourceCallsBefore = entra.requests.filter((request) => request.path === GRAPH_PATH).length;
    expect(await rolesAfterLogin()).toEqual(['admin']);
    expect(entra.requests.filter((request) => request.path === GRAPH_PATH).length).toBe(sourceCallsBefore + 1);
    const warnings = await queryDatabase(service.databaseUrl, `SELECT 1 FROM audit_events WHERE action = 'login.groups_overage'`);
    expect(warnings).toEqual([]);
  });

  it('never sends the access token to the endpoint the token names', async () => {
    entra.behaviour.claims = overageClaims('named-elsewhere', `${entra.origin}/steal-tokens`);
    entra.behaviour.groupsSource = { groups: ['grp-admins-object-id'] };
    expect(await rolesAfterLogin()).toEqual(['admin']);
    expect(entra.requests.some((request) => request.path === '/steal-tokens')).toBe(false);
  });

  it('believes an overage only from the signed ID token, not from userinfo', async () => {
    entra.behaviour.claims = { sub: 'userinfo-overage', tid: TENANT, email_verified: true };
    entra.behaviour.userinfo = overageClaims('userinfo-overage');
    entra.behaviour.groupsSource = { groups: ['grp-admins-object-id'] };
    const sourceCallsBefore = entra.requests.filter((request) => request.path === GRAPH_PATH).length;
    try {
      expect(await rolesAfterLogin()).toEqual(['editor']);
      expect(entra.requests.filter((request) => request.path === GRAPH_PATH).length).toBe(sourceCallsBefore);
    } finally {
      entra.behaviour.userinfo = undefined;
    }
  });

  it('signs in with the default role and audits why when Graph cannot be reached', async () => {
    const unreachableGraph = await startTestApp({
      database: service.database,
      env: { ENTRA_AUTHORITY: entra.origin, ENTRA_GRAPH_URL: 'http://127.0.0.1:9', PUBLIC_URL: service.url },
    });
    entra.behaviour.claims = overageClaims('unreachable-groups');
    try {
      const browser = new TestBrowser();
      const initiate = await browser.get(`${unreachableGraph.url}/sso/initiate/${connectionId}`);
      const callbackUrl = new URL(await entra.signIn(initiate.headers.get('location')!));
      expect((await browser.get(`${unreachableGraph.url}${callbackUrl.pathname}${callbackUrl.search}`)).status).toBe(302);
      const me = await fetch(`${unreachableGraph.url}/auth/me`, { headers: { authorization: `Bearer ${browser.cookie('sso_session')}` } });
      expect(((await me.json()) as { roles: string[] }).roles).toEqual(['editor']);
    } finally {
      await unreachableGraph.close();
    }
    const [warning] = await queryDatabase<{ details: { reason: string; roles: string[]; connectionId: string } }>(
      service.databaseUrl,
      `SELECT a.details FROM audit_events a JOIN users u ON a.target_id = u.id::text WHERE a.action = 'login.groups_overage' AND u.email = 'unreachable-groups@overage-test.com'`,
    );
    expect(warning.details).toMatchObject({ connectionId, roles: ['editor'], reason: expect.stringContaining('could not be reached') });
  });

  it('does not let a source that refuses the access token keep the roles of an earlier login', async () => {
    entra.behaviour.claims = overageClaims('was-admin');
    entra.behaviour.groupsSource = { groups: ['grp-admins-object-id'] };
    expect(await rolesAfterLogin()).toEqual(['admin']);
    entra.behaviour.groupsSource = undefined;
    expect(await rolesAfterLogin()).toEqual(['editor']);
    const [warning] = await queryDatabase<{ details: { reason: string } }>(
      service.databaseUrl,
      `SELECT a.details FROM audit_events a JOIN users u ON a.target_id = u.id::text WHERE a.action = 'login.groups_overage' AND u.email = 'was-admin@overage-test.com'`,
    );
    expect(warning.details.reason).toContain('answered HTTP 404');
  });

  describe('in a test sign-in', () => {
    async function testReport(): Promise<Record<string, any>> {
      const { testConnection } = await graphqlOk(service.url, PLATFORM_KEY, 'mutation($id: ID!) { testConnection(id: $id) { url } }', {
        id: connectionId,
      });
      const browser = new TestBrowser();
      const start = await browser.get(testConnection.url);
      const callback = await browser.get(await entra.signIn(start.headers.get('location')!), { accept: 'application/json' });
      expect(callback.status).toBe(200);
      return (await callback.json()) as Record<string, any>;
    }

    it('reports an unresolved overage as a problem that does not block the login', async () => {
      entra.behaviour.claims = overageClaims('tester');
      entra.behaviour.groupsSource = undefined;
      expect(await testReport()).toMatchObject({
        succeeded: true,
        email: 'tester@overage-test.com',
        groups: [],
        roles: ['editor'],
        problems: [{ code: 'groups_overage', blocksLogin: false, message: expect.stringContaining('answered HTTP 404') }],
      });
    });

    it('reports a token that fails the login checks', async () => {
      entra.behaviour.claims = overageClaims('tester');
      entra.behaviour.defect = 'bad-signature';
      try {
        expect(await testReport()).toMatchObject({
          succeeded: false,
          subject: null,
          problems: [{ code: 'invalid_id_token', blocksLogin: true }],
        });
      } finally {
        entra.behaviour.defect = 'none';
      }
    });
  });
});
