import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { PLATFORM_KEY } from './support/app';
import { TestBrowser } from './support/browser';
import { createTestDatabase, type TestDatabase } from './support/database';
import { addVerifiedDomain } from './support/domains';
import { connectTestIdp } from './support/fixtures';
import { graphqlOk } from './support/graphql';
import { freePort } from './support/ports';
import { killLeftoverServices, SHIPPED_START, startService, waitForHealth, type RunningService } from './support/service-process';
import { startTestIdp, type TestIdp } from './support/test-idp';

// The repository, where the tests run (SHIPPED_START's paths are resolved from it too).
const ROOT = resolve('.');
const BUNDLE = join(ROOT, 'dist', 'service.js');

const ACCOUNT = { sub: 'bundle-ada', email: 'ada@bundle-sso-test.com', email_verified: true, given_name: 'Ada' };

afterAll(killLeftoverServices);

/**
 * What `npm start` and the container run: the bundle (scripts/bundle.mjs) through its launcher
 * (src/start-bundled.ts), from the code cache its first run writes under DATA_DIR.
 */
describe('the service as shipped (bundle and code cache)', () => {
  let database: TestDatabase;
  let idp: TestIdp;
  let dataDir: string;
  const cacheDir = () => join(dataDir, 'code-cache');
  const cacheFiles = () => readdirSync(cacheDir()).filter((name) => name.endsWith('.v8cache'));

  beforeAll(async () => {
    database = await createTestDatabase();
    idp = await startTestIdp({ accounts: [ACCOUNT] });
    dataDir = mkdtempSync(join(tmpdir(), 'sso-shipped-'));
    chmodSync(dataDir, 0o755);
  });

  afterAll(async () => {
    await idp.close();
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function start(): Promise<RunningService> {
    const port = await freePort();
    const service = await startService({
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      DATABASE_URL: database.url,
      DATA_DIR: dataDir,
      SECRETS_KEY: Buffer.alloc(32, 7).toString('base64'),
      BOOTSTRAP_ADMIN_API_KEY: PLATFORM_KEY,
    });
    await waitForHealth(service);
    return service;
  }

  async function stop(service: RunningService): Promise<void> {
    service.child.kill('SIGTERM');
    expect(await service.exited).toBe(0);
  }

  it('is the launcher of the bundle, with the runtime setting start:prod gives it', () => {
    expect(SHIPPED_START.script).toMatch(/dist\/src\/start-bundled\.js$/);
    expect(SHIPPED_START.env).toEqual({ MALLOC_MMAP_THRESHOLD_: '131072' });
  });

  it('writes a code cache at its first stop and starts from it the next time without writing another', async () => {
    const first = await start();
    await stop(first);
    expect(cacheFiles()).toHaveLength(1);
    const [cache] = cacheFiles();
    const written = statSync(join(cacheDir(), cache)).mtimeMs;

    const second = await start();
    await stop(second);
    // A rejected cache would have been written again at exit.
    expect(cacheFiles()).toEqual([cache]);
    expect(statSync(join(cacheDir(), cache)).mtimeMs).toBe(written);
  }, 120000);

  it('starts from source when the cache is damaged, and writes a good one in its place', async () => {
    const [cache] = cacheFiles();
    writeFileSync(join(cacheDir(), cache), Buffer.alloc(4096, 0xab));
    const service = await start();
    await stop(service);
    expect(cacheFiles()).toEqual([cache]);
    expect(statSync(join(cacheDir(), cache)).size).toBeGreaterThan(1_000_000);
  }, 120000);

  it('ignores a cache that others may write to, and replaces it with a private one', async () => {
    const [cache] = cacheFiles();
    const file = join(cacheDir(), cache);
    chmodSync(file, 0o666);
    const written = statSync(file).mtimeMs;
    const service = await start();
    await stop(service);
    expect(statSync(file).mtimeMs).toBeGreaterThan(written);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(cacheDir()).mode & 0o777).toBe(0o700);
  }, 120000);

  it('neither uses nor writes a cache in a folder others may write to', async () => {
    const [cache] = cacheFiles();
    const file = join(cacheDir(), cache);
    writeFileSync(file, Buffer.alloc(4096, 0xab), { mode: 0o600 });
    chmodSync(cacheDir(), 0o777);
    try {
      const written = statSync(file).mtimeMs;
      const service = await start();
      await stop(service);
      expect(statSync(file).mtimeMs).toBe(written);
    } finally {
      chmodSync(cacheDir(), 0o700);
    }
  }, 120000);

  it('runs a bundle edited by hand as edited, not from the cache of the build it came from', async () => {
    // A copy of the shipped tree, so that the edit stays out of dist/.
    const tree = mkdtempSync(join(tmpdir(), 'sso-shipped-edited-'));
    const editedDataDir = mkdtempSync(join(tmpdir(), 'sso-shipped-edited-data-'));
    chmodSync(editedDataDir, 0o755);
    try {
      const launcher = join(tree, relative(ROOT, SHIPPED_START.script));
      for (const file of [SHIPPED_START.script, join(dirname(SHIPPED_START.script), 'config', 'data-dir.js'), BUNDLE]) {
        mkdirSync(dirname(join(tree, relative(ROOT, file))), { recursive: true });
        copyFileSync(file, join(tree, relative(ROOT, file)));
      }
      symlinkSync(join(ROOT, 'node_modules'), join(tree, 'node_modules'));
      const env = { DATABASE_URL: database.url, DATA_DIR: editedDataDir, SECRETS_KEY: Buffer.alloc(32, 7).toString('base64') };
      const startCopy = async () => {
        const service = await startService({ ...env, PORT: String(await freePort()) }, { script: launcher });
        await waitForHealth(service);
        await stop(service);
        return service.stdout();
      };
      expect(await startCopy()).toContain('using PostgreSQL from DATABASE_URL');
      expect(readdirSync(join(editedDataDir, 'code-cache'))).toHaveLength(1);

      // The same length, so that V8's own check (the source's length) would take the old cache.
      const bundle = join(tree, relative(ROOT, BUNDLE));
      const source = readFileSync(bundle, 'latin1');
      expect(source.split('using PostgreSQL from DATABASE_URL')).toHaveLength(2);
      writeFileSync(bundle, source.replace('using PostgreSQL from DATABASE_URL', 'USING PostgreSQL FROM DATABASE_URL'), 'latin1');

      expect(await startCopy()).toContain('USING PostgreSQL FROM DATABASE_URL');
    } finally {
      rmSync(tree, { recursive: true, force: true });
      rmSync(editedDataDir, { recursive: true, force: true });
    }
  }, 120000);

  it('writes no cache when it exits because its configuration is refused', async () => {
    const refusedDataDir = mkdtempSync(join(tmpdir(), 'sso-shipped-refused-'));
    try {
      const refused = await startService({ DATA_DIR: refusedDataDir, PORT: 'eighty' });
      expect(await refused.exited).toBe(78);
      expect(existsSync(join(refusedDataDir, 'code-cache'))).toBe(false);
    } finally {
      rmSync(refusedDataDir, { recursive: true, force: true });
    }
  });

  it('signs a person in through an IdP, answers GraphQL, and serves its OpenAPI document and OpenID Provider metadata', async () => {
    const service = await start();
    try {
      const organizationId = (
        await graphqlOk<{ createOrganization: { id: string } }>(
          service.url,
          PLATFORM_KEY,
          'mutation { createOrganization(input: { name: "Bundle Inc" }) { id } }',
        )
      ).createOrganization.id;
      await addVerifiedDomain(service.url, organizationId, 'bundle-sso-test.com');
      const connectionId = await connectTestIdp(service.url, idp, organizationId, 'bundle-client');

      const browser = new TestBrowser();
      const initiate = await browser.get(`${service.url}/sso/initiate/${connectionId}`);
      expect(initiate.status).toBe(302);
      const callback = await browser.get(await idp.signIn(initiate.headers.get('location')!, ACCOUNT.sub));
      expect(callback.status).toBe(302);
      const me = await browser.get(`${service.url}/auth/me`, { accept: 'application/json' });
      expect(me.status).toBe(200);
      expect(((await me.json()) as { user: { email: string } }).user.email).toBe(ACCOUNT.email);

      const openApi = (await (await fetch(`${service.url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
      expect(Object.keys(openApi.paths)).toContain('/v1/organizations/{organizationId}/users/{userId}/roles');
      const discovery = (await (await fetch(`${service.url}/oidc/.well-known/openid-configuration`)).json()) as { issuer: string };
      expect(discovery.issuer).toBe(`${service.url}/oidc`);
    } finally {
      await stop(service);
    }
  }, 120000);
});
