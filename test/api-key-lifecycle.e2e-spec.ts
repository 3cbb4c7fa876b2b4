import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ApiKeysService } from '../src/api-keys/api-keys.service';
import { PLATFORM_KEY, startTestApp, type TestApp } from './support/app';
import { errorCode, graphql, graphqlOk } from './support/graphql';
import { queryDatabase, type TestDatabase } from './support/database';
import { eventually } from './support/eventually';
import { createApiKey } from './support/fixtures';

const API_KEYS = 'query($id: ID) { apiKeys(organizationId: $id) { id organizationId scopes prefix createdAt lastUsedAt revokedAt } }';
const REVOKE = 'mutation($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }';

/** Listing and revoking API keys; a revocation holds at once on every instance. */
describe('API key lifecycle', () => {
  let first: TestApp & { database: TestDatabase };
  let second: TestApp & { database: TestDatabase };
  let organizationId: string;
  let otherOrganizationId: string;

  async function newKey(service: TestApp, orgId: string | null, scopes = ['admin']): Promise<{ id: string; secret: string }> {
    const { apiKey, secret } = await createApiKey(service.url, orgId, scopes);
    return { id: apiKey.id, secret };
  }

  beforeAll(async () => {
    first = await startTestApp();
    second = await startTestApp({ database: first.database });
    organizationId = (await graphqlOk(first.url, PLATFORM_KEY, 'mutation { createOrganization(input: { name: "Keyed" }) { id } }'))
      .createOrganization.id;
    otherOrganizationId = (await graphqlOk(first.url, PLATFORM_KEY, 'mutation { createOrganization(input: { name: "Other" }) { id } }'))
      .createOrganization.id;
  });

  afterAll(async () => {
    await second.close();
    await first.close();
    await first.database.drop();
  });

  it('lists an organization’s keys to that organization and to platform keys, platform keys to platform keys only', async () => {
    const own = await newKey(first, organizationId);
    const other = await newKey(first, otherOrganizationId);
    const listed = (await graphqlOk(first.url, own.secret, API_KEYS, { id: organizationId })).apiKeys;
    expect(listed).toEqual([
      {
        id: own.id,
        organizationId,
        scopes: ['admin'],
        prefix: expect.stringMatching(/^sk_[0-9a-f]{10}$/),
        createdAt: expect.any(String),
        // Written after the response that used the key: this request may or may not see it yet.
        lastUsedAt: listed[0].lastUsedAt === null ? null : expect.any(String),
        revokedAt: null,
      },
    ]);
    expect(JSON.stringify(listed)).not.toContain(own.secret.slice(-20));
    expect(
      (await graphqlOk(first.url, PLATFORM_KEY, API_KEYS, { id: otherOrganizationId })).apiKeys.map((key: { id: string }) => key.id),
    ).toEqual([other.id]);
    expect(errorCode(await graphql(first.url, own.secret, API_KEYS, { id: otherOrganizationId }))).toBe('FORBIDDEN');
    expect(errorCode(await graphql(first.url, own.secret, API_KEYS, {}))).toBe('FORBIDDEN');
    const platformKeys = (await graphqlOk(first.url, PLATFORM_KEY, API_KEYS, {})).apiKeys;
    expect(platformKeys).toEqual([expect.objectContaining({ organizationId: null, prefix: 'bootstrap', revokedAt: null })]);
  });

  it('revokes on one instance and the next request on another instance is refused (GraphQL and the roles API)', async () => {
    const key = await newKey(first, organizationId);
    const [user] = await queryDatabase<{ id: string }>(
      first.databaseUrl,
      "INSERT INTO users (organization_id, email) VALUES ($1, 'kim@keyed-example.com') RETURNING id",
      [organizationId],
    );
    await queryDatabase(first.databaseUrl, "INSERT INTO memberships (organization_id, user_id, roles) VALUES ($1, $2, '{viewer}')", [
      organizationId,
      user.id,
    ]);
    const rolesUrl = `${second.url}/v1/organizations/${organizationId}/users/${user.id}/roles`;
    // The second instance now remembers the key as valid and holds the roles answer (its warm path).
    expect((await graphqlOk(second.url, key.secret, '{ organizations { id } }')).organizations).toEqual([{ id: organizationId }]);
    for (let warm = 0; warm < 2; warm += 1)
      expect((await fetch(rolesUrl, { headers: { authorization: `Bearer ${key.secret}` } })).status).toBe(200);

    const { revokeApiKey } = await graphqlOk(first.url, PLATFORM_KEY, REVOKE, { id: key.id });
    expect(revokeApiKey).toEqual({ id: key.id, revokedAt: expect.any(String) });

    expect(errorCode(await graphql(second.url, key.secret, '{ organizations { id } }'))).toBe('UNAUTHENTICATED');
    expect((await fetch(rolesUrl, { headers: { authorization: `Bearer ${key.secret}` } })).status).toBe(401);
    expect(errorCode(await graphql(first.url, key.secret, '{ organizations { id } }'))).toBe('UNAUTHENTICATED');
    const [event] = await queryDatabase<{ actor: string; organization_id: string }>(
      first.databaseUrl,
      "SELECT actor, organization_id FROM audit_events WHERE action = 'api_key.revoked' AND target_id = $1",
      [key.id],
    );
    expect(event).toEqual({ actor: expect.stringMatching(/^api_key:/), organization_id: organizationId });
  });

  it('lets an organization key revoke only its own organization’s keys', async () => {
    const own = await newKey(first, organizationId);
    const victim = await newKey(first, otherOrganizationId);
    const platform = await newKey(first, null);
    expect(errorCode(await graphql(first.url, own.secret, REVOKE, { id: victim.id }))).toBe('NOT_FOUND');
    expect(errorCode(await graphql(first.url, own.secret, REVOKE, { id: platform.id }))).toBe('NOT_FOUND');
    expect(errorCode(await graphql(first.url, own.secret, REVOKE, { id: '00000000-0000-4000-8000-000000000000' }))).toBe('NOT_FOUND');
    expect((await graphqlOk(first.url, victim.secret, '{ organizations { id } }')).organizations).toEqual([{ id: otherOrganizationId }]);
    expect(errorCode(await graphql(first.url, own.secret, REVOKE, { id: 'not-a-uuid' }))).toBe('BAD_USER_INPUT');
  });

  it('writes lastUsedAt on use, and not again within the minute', async () => {
    const key = await newKey(first, organizationId);
    const lastUsed = async () =>
      (
        await queryDatabase<{ last_used_at: Date | null }>(first.databaseUrl, 'SELECT last_used_at FROM api_keys WHERE id = $1', [key.id])
      )[0].last_used_at;
    expect(await lastUsed()).toBeNull();
    await graphqlOk(first.url, key.secret, '{ organizations { id } }');
    await eventually(async () => expect(await lastUsed()).toBeInstanceOf(Date));
    // A use half a minute ago: another instance's use now (its own memory has never seen the key) writes nothing.
    await queryDatabase(first.databaseUrl, "UPDATE api_keys SET last_used_at = now() - interval '30 seconds' WHERE id = $1", [key.id]);
    const halfAMinuteAgo = await lastUsed();
    await graphqlOk(second.url, key.secret, '{ organizations { id } }');
    await second.app.get(ApiKeysService).usesRecorded();
    expect(await lastUsed()).toEqual(halfAMinuteAgo);
  });

  it('revokes the previous bootstrap key when BOOTSTRAP_ADMIN_API_KEY changes, on running instances too', async () => {
    expect((await graphqlOk(first.url, PLATFORM_KEY, '{ organizations { id } }')).organizations.length).toBeGreaterThan(0);
    const replacement = 'replacement-bootstrap-key-0123456789';
    const third = await startTestApp({ database: first.database, env: { BOOTSTRAP_ADMIN_API_KEY: replacement } });
    try {
      expect(errorCode(await graphql(first.url, PLATFORM_KEY, '{ organizations { id } }'))).toBe('UNAUTHENTICATED');
      expect(errorCode(await graphql(third.url, PLATFORM_KEY, '{ organizations { id } }'))).toBe('UNAUTHENTICATED');
      const platformKeys = (await graphqlOk(third.url, replacement, API_KEYS, {})).apiKeys.filter(
        (k: { prefix: string }) => k.prefix === 'bootstrap',
      );
      expect(platformKeys.map((k: { revokedAt: string | null }) => k.revokedAt === null)).toEqual([false, true]);
      const events = await queryDatabase(
        first.databaseUrl,
        "SELECT actor, target_id FROM audit_events WHERE action = 'api_key.revoked' AND actor = 'system:bootstrap'",
      );
      expect(events).toEqual([{ actor: 'system:bootstrap', target_id: platformKeys[0].id }]);
    } finally {
      await third.close();
    }
  });
});
