import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from 'pg';
import { PLATFORM_KEY, startTestApp, type TestApp } from './support/app';
import { errorCode, graphql, graphqlOk, type GraphqlResult } from './support/graphql';
import { queryDatabase, type TestDatabase } from './support/database';
import { startTestIdp, type TestIdp } from './support/test-idp';
import { TestBrowser } from './support/browser';
import { addVerifiedDomain } from './support/domains';
import { eventually } from './support/eventually';
import { connectTestIdp, createApiKey } from './support/fixtures';

const DOMAIN = 'lockout-guard-test.com';
const SET_SSO_REQUIRED = 'mutation($id: ID!, $on: Boolean!) { updateOrganization(id: $id, input: { ssoRequired: $on }) { ssoRequired } }';
const DEACTIVATE = 'mutation($id: ID!) { updateConnection(id: $id, input: { state: INACTIVE }) { state } }';
const ACTIVATE = 'mutation($id: ID!) { updateConnection(id: $id, input: { state: ACTIVE }) { state } }';
const DELETE = 'mutation($id: ID!) { deleteConnection(id: $id) }';

describe('require SSO without lockouts', () => {
  let service: TestApp & { database: TestDatabase };
  let idp: TestIdp;
  let organizationId: string;
  let orgKey: string;
  let orgKeyId: string;
  let first: string;
  let second: string;

  /** A real SSO login through the connection, which marks it verified. */
  async function signInThrough(connectionId: string): Promise<void> {
    const browser = new TestBrowser();
    const initiate = await browser.get(`${service.url}/sso/initiate/${connectionId}`);
    expect((await browser.get(await idp.signIn(initiate.headers.get('location')!, 'lea'))).status).toBe(302);
  }

  const refusedAsLastVerified = (result: GraphqlResult, field: string) => {
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expect(result.errors![0].extensions!.field).toBe(field);
    expect(result.errors![0].message).toMatch(/last ACTIVE connection with a successful sign-in.*requires SSO/);
  };

  const stateOf = async (id: string) =>
    (await queryDatabase<{ state: string }>(service.databaseUrl, 'SELECT state FROM connections WHERE id = $1', [id]))[0]?.state;

  beforeAll(async () => {
    idp = await startTestIdp({ accounts: [{ sub: 'lea', email: `lea@${DOMAIN}`, email_verified: true }] });
    service = await startTestApp();
    organizationId = (
      await graphqlOk(service.url, PLATFORM_KEY, 'mutation { createOrganization(input: { name: "Lockout Guard" }) { id } }')
    ).createOrganization.id;
    await addVerifiedDomain(service.url, organizationId, DOMAIN);
    const created = await createApiKey(service.url, organizationId, ['admin']);
    orgKey = created.secret;
    orgKeyId = created.apiKey.id;
    first = await connectTestIdp(service.url, idp, organizationId, 'lockout-first', orgKey);
    second = await connectTestIdp(service.url, idp, organizationId, 'lockout-second', orgKey);
  });

  afterAll(async () => {
    await service.close();
    await service.database.drop();
    await idp.close();
  });

  it('refuses ssoRequired before any verified login and allows it after one', async () => {
    refusedForLackOfVerifiedLogin(await graphql(service.url, orgKey, SET_SSO_REQUIRED, { id: organizationId, on: true }));
    await signInThrough(first);
    expect(await graphqlOk(service.url, orgKey, SET_SSO_REQUIRED, { id: organizationId, on: true })).toEqual({
      updateOrganization: { ssoRequired: true },
    });
  });

  it('refuses to deactivate or delete the last verified ACTIVE connection while SSO is required', async () => {
    refusedAsLastVerified(await graphql(service.url, orgKey, DEACTIVATE, { id: first }), 'state');
    refusedAsLastVerified(await graphql(service.url, PLATFORM_KEY, DELETE, { id: first }), 'id');
    expect(await stateOf(first)).toBe('ACTIVE');
    // The unverified connection is no one's way in: it may go.
    expect(await graphqlOk(service.url, orgKey, DEACTIVATE, { id: second })).toEqual({ updateConnection: { state: 'INACTIVE' } });
  });

  it('lets the first go once a second connection is verified, and then guards the second', async () => {
    await graphqlOk(service.url, orgKey, ACTIVATE, { id: second });
    await signInThrough(second);
    expect(await graphqlOk(service.url, orgKey, DEACTIVATE, { id: first })).toEqual({ updateConnection: { state: 'INACTIVE' } });
    refusedAsLastVerified(await graphql(service.url, orgKey, DELETE, { id: second }), 'id');
    refusedAsLastVerified(await graphql(service.url, orgKey, DEACTIVATE, { id: second }), 'state');
    expect(await graphqlOk(service.url, orgKey, DELETE, { id: first })).toEqual({ deleteConnection: true });
  });

  it('lets the organization’s key and, as break-glass, a platform key lift the requirement, each audited as such', async () => {
    expect(await graphqlOk(service.url, orgKey, SET_SSO_REQUIRED, { id: organizationId, on: false })).toEqual({
      updateOrganization: { ssoRequired: false },
    });
    expect(await graphqlOk(service.url, orgKey, SET_SSO_REQUIRED, { id: organizationId, on: true })).toEqual({
      updateOrganization: { ssoRequired: true },
    });
    expect(await graphqlOk(service.url, PLATFORM_KEY, SET_SSO_REQUIRED, { id: organizationId, on: false })).toEqual({
      updateOrganization: { ssoRequired: false },
    });

    const [platformKey] = await queryDatabase<{ id: string }>(service.databaseUrl, 'SELECT id FROM api_keys WHERE organization_id IS NULL');
    const { auditEvents } = await graphqlOk(
      service.url,
      orgKey,
      'query($id: ID!) { auditEvents(organizationId: $id) { action actor targetId } }',
      { id: organizationId },
    );
    const lifted = auditEvents.filter((event: { action: string }) => event.action === 'organization.sso_requirement_lifted');
    expect(lifted).toEqual([
      { action: 'organization.sso_requirement_lifted', actor: `api_key:${platformKey.id}`, targetId: organizationId },
      { action: 'organization.sso_requirement_lifted', actor: `api_key:${orgKeyId}`, targetId: organizationId },
    ]);
    expect(
      auditEvents.some(
        (event: { actor: string; action: string }) => event.actor === `api_key:${orgKeyId}` && event.action === 'organization.updated',
      ),
    ).toBe(true);

    // Without the requirement, the last verified connection may go.
    expect(await graphqlOk(service.url, orgKey, DEACTIVATE, { id: second })).toEqual({ updateConnection: { state: 'INACTIVE' } });
  });

  it('serialises simultaneous deactivations so that one verified connection stays', async () => {
    const a = await connectTestIdp(service.url, idp, organizationId, 'race-a', orgKey);
    const b = await connectTestIdp(service.url, idp, organizationId, 'race-b', orgKey);
    await signInThrough(a);
    await signInThrough(b);
    await graphqlOk(service.url, orgKey, SET_SSO_REQUIRED, { id: organizationId, on: true });
    const results = await Promise.all([a, b].map((id) => graphql(service.url, orgKey, DEACTIVATE, { id })));
    expect(results.filter((result) => !result.errors).length).toBe(1);
    expect(results.filter((result) => errorCode(result) === 'BAD_USER_INPUT').length).toBe(1);
    expect([await stateOf(a), await stateOf(b)].sort()).toEqual(['ACTIVE', 'INACTIVE']);
  });

  describe('a change of client or IdP on a verified connection', () => {
    const UPDATE = 'mutation($id: ID!, $input: UpdateConnectionInput!) { updateConnection(id: $id, input: $input) { verifiedAt } }';
    let otherIdp: TestIdp;
    let orgId: string;
    let guarded: string;
    let spare: string;

    const verifiedAtOf = async (id: string) =>
      (await queryDatabase<{ verified_at: Date | null }>(service.databaseUrl, 'SELECT verified_at FROM connections WHERE id = $1', [id]))[0]
        .verified_at;

    const refusedAsUnproven = (result: GraphqlResult, field: string) => {
      expect(errorCode(result)).toBe('BAD_USER_INPUT');
      expect(result.errors![0].extensions!.field).toBe(field);
      expect(result.errors![0].message).toMatch(
        /would change the organization’s last ACTIVE connection with a successful sign-in.*requires SSO/,
      );
    };

    beforeAll(async () => {
      otherIdp = await startTestIdp({ accounts: [] });
      orgId = (await graphqlOk(service.url, PLATFORM_KEY, 'mutation { createOrganization(input: { name: "Rebind Guard" }) { id } }'))
        .createOrganization.id;
      await addVerifiedDomain(service.url, orgId, 'rebind-guard-test.com');
      idp.setAccount({ sub: 'rex', email: 'rex@rebind-guard-test.com', email_verified: true });
      guarded = await connectTestIdp(service.url, idp, orgId, 'rebind-guarded');
      spare = await connectTestIdp(service.url, idp, orgId, 'rebind-spare');
      const browser = new TestBrowser();
      const initiate = await browser.get(`${service.url}/sso/initiate/${guarded}`);
      expect((await browser.get(await idp.signIn(initiate.headers.get('location')!, 'rex'))).status).toBe(302);
      await graphqlOk(service.url, PLATFORM_KEY, SET_SSO_REQUIRED, { id: orgId, on: true });
    });

    afterAll(async () => {
      await otherIdp.close();
    });

    it('refuses a new client id or IdP on the last verified connection while SSO is required, naming the field', async () => {
      refusedAsUnproven(await graphql(service.url, PLATFORM_KEY, UPDATE, { id: guarded, input: { clientId: 'someone-else' } }), 'clientId');
      refusedAsUnproven(
        await graphql(service.url, PLATFORM_KEY, UPDATE, {
          id: guarded,
          input: { discoveryUrl: otherIdp.discoveryUrl, issuer: otherIdp.issuer },
        }),
        'discoveryUrl',
      );
      expect(await verifiedAtOf(guarded)).not.toBeNull();
      const [row] = await queryDatabase<{ client_id: string; issuer: string }>(
        service.databaseUrl,
        'SELECT client_id, issuer FROM connections WHERE id = $1',
        [guarded],
      );
      expect(row).toEqual({ client_id: 'rebind-guarded', issuer: idp.issuer });
    });

    it('keeps the verification through a secret rotation and the same settings saved again', async () => {
      const before = await verifiedAtOf(guarded);
      await graphqlOk(service.url, PLATFORM_KEY, UPDATE, { id: guarded, input: { clientSecret: 'a-rotated-secret', name: 'Renamed' } });
      await graphqlOk(service.url, PLATFORM_KEY, UPDATE, {
        id: guarded,
        input: { clientId: 'rebind-guarded', discoveryUrl: idp.discoveryUrl },
      });
      expect(await verifiedAtOf(guarded)).toEqual(before);
    });

    it('clears the verification of a connection whose client changes once another one is verified, and then guards that one', async () => {
      const browser = new TestBrowser();
      const initiate = await browser.get(`${service.url}/sso/initiate/${spare}`);
      expect((await browser.get(await idp.signIn(initiate.headers.get('location')!, 'rex'))).status).toBe(302);
      expect(await graphqlOk(service.url, PLATFORM_KEY, UPDATE, { id: guarded, input: { clientId: 'rebind-guarded-2' } })).toEqual({
        updateConnection: { verifiedAt: null },
      });
      const { auditEvents } = await graphqlOk(
        service.url,
        PLATFORM_KEY,
        'query($id: ID!) { auditEvents(organizationId: $id) { action targetId } }',
        { id: orgId },
      );
      expect(auditEvents).toContainEqual({ action: 'connection.updated', targetId: guarded });
      // The changed one no longer counts: the spare is now the last way in.
      refusedAsLastVerified(await graphql(service.url, PLATFORM_KEY, DEACTIVATE, { id: spare }), 'state');
      refusedAsUnproven(
        await graphql(service.url, PLATFORM_KEY, UPDATE, {
          id: spare,
          input: { discoveryUrl: otherIdp.discoveryUrl, issuer: otherIdp.issuer },
        }),
        'discoveryUrl',
      );
    });

    it('decides a deletion on the connection as it is once the organization is locked, not as it was read before', async () => {
      // `guarded` unverified, `spare` the last verified one (as the previous test leaves them).
      await queryDatabase(
        service.databaseUrl,
        "UPDATE connections SET state = 'ACTIVE', verified_at = CASE WHEN id = $2 THEN now() END WHERE id IN ($1, $2)",
        [guarded, spare],
      );
      const admin = new Client({ connectionString: service.databaseUrl });
      await admin.connect();
      try {
        // Hold the organization's lock, so that the deletion of `guarded` reads its row and then waits...
        await admin.query('BEGIN');
        await admin.query('SELECT id FROM organizations WHERE id = $1 FOR UPDATE', [orgId]);
        const deletion = graphql(service.url, PLATFORM_KEY, DELETE, { id: guarded });
        await eventually(
          async () => {
            const [waiting] = await queryDatabase<{ count: string }>(
              service.databaseUrl,
              "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE '%organizations%'",
            );
            expect(waiting.count).not.toBe('0');
          },
          { timeoutMs: 10_000, intervalMs: 20 },
        );
        // ...while a sign-in verifies `guarded` and `spare` goes out of service (SSO then still has `guarded`).
        await admin.query('UPDATE connections SET verified_at = now() WHERE id = $1', [guarded]);
        await admin.query("UPDATE connections SET state = 'INACTIVE' WHERE id = $1", [spare]);
        await admin.query('COMMIT');
        refusedAsLastVerified(await deletion, 'id');
        expect(await stateOf(guarded)).toBe('ACTIVE');
      } finally {
        await admin.end();
      }
    });
  });
});

function refusedForLackOfVerifiedLogin(result: GraphqlResult): void {
  expect(errorCode(result)).toBe('BAD_USER_INPUT');
  expect(result.errors![0].extensions!.field).toBe('ssoRequired');
  expect(result.errors![0].message).toMatch(/successful sign-in/);
}
