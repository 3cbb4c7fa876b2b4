import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestApp, type TestApp } from './support/app';
import { createTestDatabase, queryDatabase, type TestDatabase } from './support/database';
import { MIGRATIONS } from '../src/migrations';
import { DataSource } from 'typeorm';

describe('the service on a real PostgreSQL', () => {
  let service: TestApp & { database: TestDatabase };

  beforeAll(async () => {
    service = await startTestApp();
  });

  afterAll(async () => {
    await service.close();
    await service.database.drop();
  });

  it('applies every migration at start', async () => {
    const applied = await queryDatabase<{ name: string }>(service.databaseUrl, 'SELECT name FROM schema_migrations');
    expect(applied.map((row) => row.name)).toEqual(MIGRATIONS.map((migration) => migration.name));
    expect(applied[0].name).toMatch(/^InitialSchema\d+$/);
    const tables = await queryDatabase<{ table_name: string }>(
      service.databaseUrl,
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
    );
    expect(tables.map((row) => row.table_name)).toEqual(
      expect.arrayContaining([
        'organizations',
        'domains',
        'connections',
        'role_mappings',
        'users',
        'memberships',
        'api_keys',
        'audit_events',
        'magic_links',
        'login_attempts',
        'connection_tests',
      ]),
    );
  });

  it('has migrations that build exactly the schema the entities describe', async () => {
    const pending = await service.app.get(DataSource).driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((query) => query.query)).toEqual([]);
  });

  it('answers /health with 200 and a request id', async () => {
    const response = await fetch(`${service.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('keeps a sane incoming X-Request-Id and replaces a hostile one', async () => {
    const kept = await fetch(`${service.url}/health`, { headers: { 'x-request-id': 'abc-123' } });
    expect(kept.headers.get('x-request-id')).toBe('abc-123');
    const replaced = await fetch(`${service.url}/health`, { headers: { 'x-request-id': 'a b<script>' } });
    expect(replaced.headers.get('x-request-id')).not.toContain('script');
  });

  it('serves GraphQL and refuses an anonymous caller', async () => {
    const response = await fetch(`${service.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ organizations { id } }' }),
    });
    const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('answers /health with 503 when its database is gone', async () => {
    const doomed = await createTestDatabase();
    const other = await startTestApp({ database: doomed });
    try {
      expect((await fetch(`${other.url}/health`)).status).toBe(200);
      await doomed.drop();
      const response = await fetch(`${other.url}/health`);
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ status: 'unavailable' });
    } finally {
      await other.close();
    }
  });
});
