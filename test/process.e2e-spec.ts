import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, queryDatabase, type TestDatabase } from './support/database';
import { killLeftoverServices, postgresProcessesFor, startService, waitForHealth } from './support/service-process';
import { MIGRATIONS } from '../src/migrations';

const PLATFORM_KEY = 'process-test-platform-key-0123456789';

// A failed assertion must not leave a service (and its pipes) keeping jest alive.
afterAll(killLeftoverServices);

async function createOrganization(port: number, name: string): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${PLATFORM_KEY}` },
    body: JSON.stringify({ query: 'mutation($name: String!) { createOrganization(input: { name: $name }) { id } }', variables: { name } }),
  });
  const body = (await response.json()) as { data: { createOrganization: { id: string } } };
  return body.data.createOrganization.id;
}

async function listOrganizations(port: number): Promise<string[]> {
  const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${PLATFORM_KEY}` },
    body: JSON.stringify({ query: '{ organizations { name } }' }),
  });
  const body = (await response.json()) as { data: { organizations: { name: string }[] } };
  return body.data.organizations.map((organization) => organization.name);
}

describe('the built service as a process', () => {
  it('starts an embedded PostgreSQL without DATABASE_URL, keeps data across restarts and leaves no postgres behind', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sso-process-'));
    chmodSync(dataDir, 0o755);
    const env = { DATA_DIR: dataDir, BOOTSTRAP_ADMIN_API_KEY: PLATFORM_KEY };
    try {
      const first = await startService(env);
      await waitForHealth(first);
      expect(first.output()).toContain('using the embedded PostgreSQL');
      expect(existsSync(join(dataDir, 'postgres', 'PG_VERSION'))).toBe(true);
      expect(postgresProcessesFor(dataDir).length).toBeGreaterThan(0);
      await createOrganization(first.port, 'Survives Restarts Inc');
      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);
      expect(postgresProcessesFor(dataDir)).toEqual([]);

      const second = await startService(env);
      await waitForHealth(second);
      expect(await listOrganizations(second.port)).toContain('Survives Restarts Inc');
      second.child.kill('SIGINT');
      expect(await second.exited).toBe(0);
      expect(postgresProcessesFor(dataDir)).toEqual([]);
      const password = (second.output().match(/postgres:\/\/postgres:([^@]+)@/) ?? [])[1];
      expect(password).toBe('***');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90000);

  it('stops a postgres orphaned by a killed service before starting again', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sso-orphan-'));
    chmodSync(dataDir, 0o755);
    try {
      const killed = await startService({ DATA_DIR: dataDir });
      await waitForHealth(killed);
      killed.child.kill('SIGKILL');
      await killed.exited;
      const restarted = await startService({ DATA_DIR: dataDir });
      await waitForHealth(restarted);
      expect(restarted.output()).toContain('orphaned embedded PostgreSQL');
      restarted.child.kill('SIGTERM');
      expect(await restarted.exited).toBe(0);
      expect(postgresProcessesFor(dataDir)).toEqual([]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90000);

  describe('with DATABASE_URL', () => {
    let database: TestDatabase;

    beforeAll(async () => {
      database = await createTestDatabase();
    });

    afterAll(async () => {
      await database.drop();
    });

    it('uses that server, says so without the password, and migrates it', async () => {
      const service = await startService({ DATABASE_URL: database.url, SECRETS_KEY: Buffer.alloc(32, 1).toString('base64') });
      await waitForHealth(service);
      service.child.kill('SIGTERM');
      expect(await service.exited).toBe(0);
      expect(service.output()).toContain('using PostgreSQL from DATABASE_URL');
      const password = new URL(database.url).password;
      if (password) expect(service.output()).not.toContain(password);
      const migrations = await queryDatabase<{ name: string }>(database.url, 'SELECT name FROM schema_migrations');
      expect(migrations.map((migration) => migration.name)).toEqual(MIGRATIONS.map((migration) => migration.name));
    }, 60000);

    it('runs no migration with MIGRATIONS_RUN=false', async () => {
      const empty = await createTestDatabase();
      try {
        const service = await startService({
          DATABASE_URL: empty.url,
          MIGRATIONS_RUN: 'false',
          SECRETS_KEY: Buffer.alloc(32, 1).toString('base64'),
        });
        await waitForHealth(service);
        service.child.kill('SIGTERM');
        await service.exited;
        const tables = await queryDatabase(empty.url, "SELECT 1 FROM information_schema.tables WHERE table_schema = 'public'");
        expect(tables).toEqual([]);
      } finally {
        await empty.drop();
      }
    }, 60000);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ SECRETS_KEY: 'too-short' }, 'SECRETS_KEY'],
    [{ NODE_ENV: 'production', PUBLIC_URL: 'https://sso.example.com' }, 'SECRETS_KEY'],
    [{ DATABASE_URL: 'mysql://localhost/sso' }, 'DATABASE_URL'],
    [{ PUBLIC_URL: 'not a url' }, 'PUBLIC_URL'],
    [{ ALLOWED_RETURN_ORIGINS: 'https://app.example.com/path' }, 'ALLOWED_RETURN_ORIGINS'],
  ])('refuses bad configuration %j with one line naming %s', async (env, variable) => {
    const service = await startService({ DATA_DIR: join(tmpdir(), 'sso-never-used'), ...env });
    expect(await service.exited).toBe(78);
    const lines = service.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^Configuration error: ${variable}: `));
  });

  it('refuses a configuration with several problems naming all of them, one line each, and exits 78', async () => {
    const service = await startService({
      DATA_DIR: join(tmpdir(), 'sso-never-used'),
      PORT: 'eighty',
      LOG_LEVEL: 'loud',
      SECRETS_KEY: 'too-short',
    });
    expect(await service.exited).toBe(78);
    const lines = service.output().trim().split('\n');
    expect(lines.map((line) => /^Configuration error: (\w+): /.exec(line)?.[1])).toEqual(['PORT', 'LOG_LEVEL', 'SECRETS_KEY']);
  });
});
