import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startTestApp, type TestApp } from './support/app';
import { createTestDatabase, type TestDatabase } from './support/database';
import { errorCode, graphql, graphqlOk } from './support/graphql';
import { eventually, StopWaiting } from './support/eventually';
import { killLeftoverServices, startService } from './support/service-process';

const ADMIN_CLI = resolve('dist', 'src', 'admin-cli', 'admin-cli.js');

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

describe('the admin CLI (npm run admin)', () => {
  let database: TestDatabase;
  let dataDir: string;
  let service: TestApp | undefined;

  /** What the CLI and the service both run with (the service gets PATH from startService). */
  function databaseEnv(): Record<string, string> {
    return { DATABASE_URL: database.url, DATA_DIR: dataDir, SECRETS_KEY: Buffer.alloc(32, 7).toString('base64') };
  }

  function cliEnv(): NodeJS.ProcessEnv {
    return { PATH: process.env.PATH ?? '', ...databaseEnv() };
  }

  function admin(...args: string[]): Promise<CliResult> {
    return new Promise((done) => {
      execFile(process.execPath, [ADMIN_CLI, ...args], { env: cliEnv() }, (error, stdout, stderr) =>
        done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
  }

  function secretOf(result: CliResult): string {
    const secret = /^ {2}secret: (\S+)$/m.exec(result.stdout)?.[1];
    if (!secret) throw new Error(`no secret in the output:\n${result.stdout}\n${result.stderr}`);
    return secret;
  }

  function idOf(result: CliResult): string {
    const id = /^ {2}id: +(\S+)$/m.exec(result.stdout)?.[1];
    if (!id) throw new Error(`no id in the output:\n${result.stdout}\n${result.stderr}`);
    return id;
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'sso-admin-cli-'));
  });

  afterAll(async () => {
    killLeftoverServices();
    await service?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('says in the start log how to get a key when no platform key exists', async () => {
    const service = await startService(databaseEnv());
    await eventually(
      () => {
        if (service.child.exitCode !== null) throw new StopWaiting(`the service exited:\n${service.output()}`);
        expect(service.output()).toContain('npm run admin -- create-key');
      },
      { timeoutMs: 30000, intervalMs: 100 },
    );
    service.child.kill('SIGTERM');
    await service.exited;
  });

  it('lists no organizations on a fresh database, and refuses bad usage with the usage text', async () => {
    const empty = await admin('list-orgs');
    expect(empty).toMatchObject({ code: 0, stdout: 'No organizations yet.\n' });

    const unknown = await admin('make-coffee');
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toContain('unknown command "make-coffee"');
    expect(unknown.stderr).toContain('create-key [--org <organization id>]');

    const badScopes = await admin('create-key', '--scopes', 'admin,root');
    expect(badScopes.code).toBe(64);
    expect(badScopes.stderr).toContain('unknown: root');
  });

  it('creates a platform key that works on the GraphQL API, an organization key, and revokes a key', async () => {
    const created = await admin('create-key');
    expect(created.code).toBe(0);
    expect(created.stdout).toContain('a platform API key');
    const platformKey = secretOf(created);
    expect(platformKey).toMatch(/^sk_[0-9a-f]{10}_/);

    service = await startTestApp({ database, env: { BOOTSTRAP_ADMIN_API_KEY: '' } });
    const { createOrganization } = await graphqlOk(
      service.url,
      platformKey,
      'mutation { createOrganization(input: { name: "Cli Corp" }) { id slug } }',
    );

    const listed = await admin('list-orgs');
    expect(listed.stdout).toBe(`${createOrganization.id}\t${createOrganization.slug}\tCli Corp\n`);

    const orgKey = await admin('create-key', '--org', createOrganization.id, '--scopes', 'roles:read');
    expect(orgKey.code).toBe(0);
    expect(orgKey.stdout).toContain(`organization ${createOrganization.id}`);
    expect(orgKey.stdout).toContain('scopes: roles:read');
    const rolesResponse = await fetch(`${service.url}/v1/organizations/${createOrganization.id}/roles?email=nobody@cli-corp.example`, {
      headers: { authorization: `Bearer ${secretOf(orgKey)}` },
    });
    expect(rolesResponse.status).toBe(404);

    // A key revoked before this instance ever saw it is refused at once.
    const doomed = await admin('create-key');
    const revoked = await admin('revoke-key', idOf(doomed));
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(`Revoked API key ${idOf(doomed)}`);
    const refused = await graphql(service.url, secretOf(doomed), '{ organizations { id } }');
    expect(errorCode(refused)).toBe('UNAUTHENTICATED');

    const missing = await admin('revoke-key', '00000000-0000-4000-8000-000000000000');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('API key not found');
    // Seven CLI runs, each booting the service's modules: minutes on a busy 2-core machine.
  }, 300_000);
});
