import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PLATFORM_KEY, startTestApp, type TestApp } from './support/app';
import { graphqlOk } from './support/graphql';
import { createTestDatabase, queryDatabase, type TestDatabase } from './support/database';
import { startTestIdp, type TestIdp } from './support/test-idp';
import { TestBrowser } from './support/browser';
import { keyIdOf } from '../src/common/secrets-cipher';
import { addVerifiedDomain } from './support/domains';
import { createConnection } from './support/fixtures';

const OLD_KEY = Buffer.alloc(32, 7);
const NEW_KEY = Buffer.alloc(32, 11);

/** SECRETS_KEY can be replaced without losing a client secret or a signing key. */
describe('rotating SECRETS_KEY', () => {
  let database: TestDatabase;
  let idp: TestIdp;
  let connectionId: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    idp = await startTestIdp({ accounts: [{ sub: 'eve', email: 'eve@umbrella-sso-test.com', email_verified: true }] });
  });

  afterAll(async () => {
    await database.drop();
    await idp.close();
  });

  async function withService<T>(env: Record<string, string>, work: (service: TestApp) => Promise<T>): Promise<T> {
    const service = await startTestApp({ database, env });
    try {
      return await work(service);
    } finally {
      await service.close();
    }
  }

  async function loginStatus(service: TestApp): Promise<number> {
    // Each start has its own port, hence its own redirect URI.
    idp.registerClient({
      clientId: 'umbrella',
      clientSecret: 'umbrella-secret',
      redirectUris: [`${service.url}/sso/callback/${connectionId}`],
    });
    const browser = new TestBrowser();
    const initiate = await browser.get(`${service.url}/sso/initiate/${connectionId}`);
    const callback = await browser.get(await idp.signIn(initiate.headers.get('location')!, 'eve'), { accept: 'application/json' });
    expect((await browser.get(`${service.url}/auth/me`)).status).toBe(callback.status === 302 ? 200 : 401);
    return callback.status;
  }

  const sealedKeyIds = async () =>
    queryDatabase<{ key_id: string }>(
      database.url,
      `SELECT split_part(client_secret_encrypted, ':', 2) AS key_id FROM connections
       UNION SELECT split_part(private_jwk_encrypted, ':', 2) FROM signing_keys`,
    );

  it('opens what the previous key sealed, reseals it under the new key at start, and then needs only the new key', async () => {
    await withService({ SECRETS_KEY: OLD_KEY.toString('base64') }, async (service) => {
      const { createOrganization } = await graphqlOk(
        service.url,
        PLATFORM_KEY,
        'mutation { createOrganization(input: { name: "Umbrella" }) { id } }',
      );
      await addVerifiedDomain(service.url, createOrganization.id, 'umbrella-sso-test.com');
      const connection = await createConnection(service.url, {
        organizationId: createOrganization.id,
        type: 'GENERIC_OIDC',
        discoveryUrl: idp.discoveryUrl,
        clientId: 'umbrella',
        clientSecret: 'umbrella-secret',
      });
      connectionId = connection.id;
      expect(await loginStatus(service)).toBe(302);
    });
    expect(await sealedKeyIds()).toEqual([{ key_id: keyIdOf(OLD_KEY) }]);

    await withService({ SECRETS_KEY: NEW_KEY.toString('base64'), SECRETS_KEY_PREVIOUS: OLD_KEY.toString('base64') }, async (service) => {
      expect(await sealedKeyIds()).toEqual([{ key_id: keyIdOf(NEW_KEY) }]);
      expect(await loginStatus(service)).toBe(302);
    });
    await withService({ SECRETS_KEY: NEW_KEY.toString('base64') }, async (service) => {
      expect(await loginStatus(service)).toBe(302);
    });
  }, 60_000);
});

describe('a row sealed with a key the service does not have', () => {
  const STRAY_KEY = Buffer.alloc(32, 13);
  let database: TestDatabase;
  let idp: TestIdp;

  beforeAll(async () => {
    database = await createTestDatabase();
    idp = await startTestIdp({ accounts: [] });
  });

  afterAll(async () => {
    await database.drop();
    await idp.close();
  });

  async function createConnectionUnder(key: Buffer, name: string): Promise<string> {
    const service = await startTestApp({ database, env: { SECRETS_KEY: key.toString('base64') } });
    try {
      const { createOrganization } = await graphqlOk(
        service.url,
        PLATFORM_KEY,
        'mutation($name: String!) { createOrganization(input: { name: $name }) { id } }',
        { name },
      );
      const connection = await createConnection(service.url, {
        organizationId: createOrganization.id,
        type: 'GENERIC_OIDC',
        discoveryUrl: idp.discoveryUrl,
        clientId: name,
        clientSecret: `${name}-secret`,
      });
      return connection.id;
    } finally {
      await service.close();
    }
  }

  it('leaves it as it is with one clear warning, reseals the rest, and starts', async () => {
    const known = await createConnectionUnder(OLD_KEY, 'known-key');
    const stray = await createConnectionUnder(STRAY_KEY, 'stray-key');
    const [strayBefore] = await queryDatabase<{ sealed: string }>(
      database.url,
      'SELECT client_secret_encrypted AS sealed FROM connections WHERE id = $1',
      [stray],
    );

    const logLines: string[] = [];
    const service = await startTestApp({
      database,
      logLines,
      env: { SECRETS_KEY: NEW_KEY.toString('base64'), SECRETS_KEY_PREVIOUS: OLD_KEY.toString('base64'), LOG_LEVEL: 'warn' },
    });
    try {
      expect((await fetch(`${service.url}/health`)).status).toBe(200);
      const rows = await queryDatabase<{ id: string; sealed: string }>(
        database.url,
        'SELECT id, client_secret_encrypted AS sealed FROM connections',
      );
      expect(rows.find((row) => row.id === known)!.sealed.split(':')[1]).toBe(keyIdOf(NEW_KEY));
      expect(rows.find((row) => row.id === stray)!.sealed).toBe(strayBefore.sealed);
      const warnings = logLines
        .map((line) => JSON.parse(line) as { level: number; msg: string })
        .filter((record) => /neither SECRETS_KEY nor in SECRETS_KEY_PREVIOUS/.test(record.msg));
      expect(warnings).toHaveLength(1);
      expect(warnings[0].level).toBe(40);
      expect(warnings[0].msg).toMatch(/^1 row\(s\) of connections\.client_secret_encrypted /);
    } finally {
      await service.close();
    }
  }, 60_000);
});
