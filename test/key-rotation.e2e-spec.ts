import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestApp, type TestApp } from './support/app';
import { createTestDatabase, queryDatabase, type TestDatabase } from './support/database';

interface Jwks {
  keys: { kid: string }[];
}

/** The session keys and the OpenID Provider's keys are rotated every 30 days, once, whichever instances notice. */
describe('signing key rotation', () => {
  let database: TestDatabase;
  let first: TestApp;
  const jwksOf = async (url: string): Promise<string[]> => ((await (await fetch(url)).json()) as Jwks).keys.map((key) => key.kid);

  beforeAll(async () => {
    database = await createTestDatabase();
    first = await startTestApp({ database });
  });

  afterAll(async () => {
    await first?.close();
    await database?.drop();
  });

  it.each([
    ['session tokens', 'signing_keys', '/.well-known/jwks.json'],
    ['the OpenID Provider', 'oidc_signing_keys', '/oidc/jwks'],
  ])(
    'makes one new key for %s when the newest is 30 days old, publishes it first and keeps the old one, retired',
    async (_, table, path) => {
      const [original] = await jwksOf(`${first.url}${path}`);
      expect(original).toBeDefined();
      await queryDatabase(database.url, `UPDATE ${table} SET created_at = now() - interval '31 days'`);
      // Two fresh instances (nothing cached) notice at the same moment.
      const [second, third] = await Promise.all([startTestApp({ database }), startTestApp({ database })]);
      try {
        const [fromSecond, fromThird] = await Promise.all([jwksOf(`${second.url}${path}`), jwksOf(`${third.url}${path}`)]);
        expect(fromSecond).toEqual(fromThird);
        expect(fromSecond).toHaveLength(2);
        expect(fromSecond[1]).toBe(original);
        const rows = await queryDatabase<{ id: string; retired: boolean }>(
          database.url,
          `SELECT id, retired_at IS NOT NULL AS retired FROM ${table} ORDER BY created_at DESC`,
        );
        expect(rows).toEqual([
          { id: fromSecond[0], retired: false },
          { id: original, retired: true },
        ]);
      } finally {
        await Promise.all([second.close(), third.close()]);
      }
    },
  );
});
