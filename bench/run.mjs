// npm run bench: builds nothing itself (the npm script runs `nest build` first), then starts a
// PostgreSQL, a lean IdP, the service pinned to core 0 and a load generator on core 1, seeds
// tenants, measures logins, the roles API, growth, memory and start-up beside a bare baseline,
// prints a table and writes bench/results/latest.{json,md}. Everything it starts it stops.
//
//   npm run bench                      the full run (under 5 minutes on 2 cores)
//   npm run bench -- --profile         CPU profiles of the service under login and roles load
//   npm run bench -- --soak            minutes of mixed logins and roles calls; RSS and heap over time
//   BENCH_SECONDS=5 npm run bench      longer measurement windows (default 3 s)
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, chmodSync, rmSync, readFileSync, writeFileSync, mkdirSync, readdirSync } from 'node:fs';
import { tmpdir, availableParallelism, cpus } from 'node:os';
import { join, dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createInterface } from 'node:readline';
import { summariseProfile } from './profile-top.mjs';
import { adminGraphql, cpuTicks, freePort, shippedStart, startBenchDatabase, waitForHealth, warmCodeCache } from './harness.mjs';
import { benchOp, OP_SERVICE_ENV } from './op.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = join(ROOT, 'bench', 'results');
/** What `npm run start:prod` runs: the bundle through its launcher, with its environment. The service "as built". */
const SHIPPED = shippedStart();
/** The tsc output unbundled (~1 700 files), as the service ran before the bundle: a lever's "before". */
const MAIN_JS = join(ROOT, 'dist', 'src', 'main.js');
/** A smaller young generation: an idle-memory lever, measured for its start, RSS and login cost. */
const SMALL_YOUNG_GENERATION = ['--max-semi-space-size=8'];
/** The C heap setting start:prod makes; a lever measured by leaving it out. */
const MALLOC_SETTINGS = Object.keys(SHIPPED.env);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
/** Other checkouts of the service, built (comma-separated): each the "before" of a lever row for this build as a whole. */
const AGAINST = (process.env.BENCH_AGAINST ?? '').split(',').filter(Boolean);
const WINDOW_MS = SECONDS * 1000;
const PROFILE = process.argv.includes('--profile');
const SOAK = process.argv.includes('--soak');
const SOAK_MINUTES = Number(process.env.BENCH_SOAK_MINUTES ?? 3);
/** Untimed logins before the first measured window. */
const WARMUP_MS = 8000;
const USERS = 100_000;
const ORG_LEVELS = [10, 1000, 10000];
const LOGIN_CONCURRENCY = [1, 8, 32];
const ROLES_CONCURRENCY = [1, 16, 64];
const ADMIN_KEY = `bench-admin-${randomBytes(16).toString('hex')}`;
const SECRETS_KEY = randomBytes(32).toString('base64');
const CLK_TCK = 100;
const began = Date.now();

const log = (message) => process.stderr.write(`[bench ${((Date.now() - began) / 1000).toFixed(1).padStart(5)}s] ${message}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------- placement
const cores = availableParallelism();
const hasTaskset = (() => {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const SERVICE_CORE = '0';
const OTHER_CORE = cores > 1 ? '1' : '0';
const ALL_CORES = cores > 1 ? `0-${cores - 1}` : '0';
if (hasTaskset) execFileSync('taskset', ['-a', '-p', '-c', OTHER_CORE, String(process.pid)], { stdio: 'ignore' });
const placement = [];
const pinned = (core, command, args) => (hasTaskset ? ['taskset', ['-c', core, command, ...args]] : [command, args]);

// ---------------------------------------------------------------- processes
const children = new Set();
function track(child, role, core) {
  children.add(child);
  child.on('exit', () => children.delete(child));
  placement.push({ role, pid: child.pid, core: hasTaskset ? core : 'any' });
  return child;
}
function stopAll() {
  for (const child of children) child.kill('SIGTERM');
}
process.on('exit', stopAll);
for (const signal of ['SIGINT', 'SIGTERM'])
  process.on(signal, () => {
    stopAll();
    process.exit(130);
  });

function forkPinned(file, core, env = {}, args = []) {
  const [command, commandArgs] = pinned(core, process.execPath, [join(ROOT, 'bench', file), ...args]);
  // fork() cannot be wrapped in taskset; spawn with an IPC channel does the same.
  return spawn(command, commandArgs, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, ...env } });
}

function firstMessage(child) {
  return new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`${child.spawnargs.join(' ')} exited with ${code}`)));
  });
}

let loadgen;
let taskSeq = 0;
function runTask(task) {
  const id = ++taskSeq;
  return new Promise((resolve, reject) => {
    const onMessage = (message) => {
      if (message.id !== id) return;
      loadgen.off('message', onMessage);
      if (message.error) reject(new Error(message.error));
      else resolve(message.result);
    };
    loadgen.on('message', onMessage);
    loadgen.send({ id, task });
  });
}

function rssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
}
function childPids(parent) {
  const out = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parent) out.push(Number(entry));
    } catch {
      /* gone */
    }
  }
  return out;
}

// ---------------------------------------------------------------- database
let db; // { url, admin: pg.Client, stop(), postmasterPid?, statements: boolean }
async function startDatabase(dir) {
  const database = await startBenchDatabase(dir, {
    postgresFlags: ['shared_preload_libraries=pg_stat_statements', 'pg_stat_statements.track_planning=on', 'shared_buffers=256MB'].flatMap(
      (flag) => ['-c', flag],
    ),
  });
  if (!database.postmasterPid) return database;
  placement.push({
    role: 'PostgreSQL (embedded, postmaster and backends)',
    pid: database.postmasterPid,
    core: hasTaskset ? OTHER_CORE : 'any',
  });
  return { ...database, where: 'embedded PostgreSQL 18 (fsync off, pg_stat_statements)' };
}

function dbCpuTicks() {
  if (!db.postmasterPid) return 0;
  // The postmaster's own time and that of backends it has reaped, plus the live backends'.
  return cpuTicks(db.postmasterPid, true) + childPids(db.postmasterPid).reduce((sum, pid) => sum + cpuTicks(pid), 0);
}

async function sql(text, params) {
  return (await db.client.query(text, params)).rows;
}

async function statementsReset() {
  if (!db.statements) return;
  await sql('SELECT pg_stat_statements_reset()');
}
/** Statements the service ran since the reset (the bench's own queries left out). */
async function statementsCount() {
  if (!db.statements) return null;
  const [row] = await sql(
    "SELECT coalesce(sum(calls), 0)::bigint AS calls FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = current_database() AND query NOT ILIKE '%pg_stat_statements%' AND query NOT ILIKE '%bench:%' AND query NOT IN ('BEGIN', 'COMMIT', 'ROLLBACK')",
  );
  return Number(row.calls);
}

/** The statements the service ran since the reset, per login, with their share of PostgreSQL's time. */
async function statementsPerLogin(logins) {
  const rows = await sql(
    `SELECT calls, total_exec_time, total_plan_time, regexp_replace(left(query, 110), '\\s+', ' ', 'g') AS query
       FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
      WHERE d.datname = current_database() AND query NOT ILIKE '%pg_stat_statements%' AND query NOT ILIKE '%bench:%'
      ORDER BY total_exec_time DESC LIMIT 20`,
  );
  return rows
    .map(
      (row) =>
        `${(Number(row.calls) / logins).toFixed(2).padStart(6)} per login  exec ${(row.total_exec_time / logins).toFixed(3).padStart(7)} ms  plan ${(row.total_plan_time / logins).toFixed(3).padStart(7)} ms  ${row.query}`,
    )
    .join('\n');
}

// ---------------------------------------------------------------- the service
function serviceEnv(port, extra = {}) {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    LOG_LEVEL: 'warn',
    SECRETS_KEY,
    BOOTSTRAP_ADMIN_API_KEY: ADMIN_KEY,
    SSO_RATE_LIMIT_PER_MINUTE: '1000000000',
    ...OP_SERVICE_ENV,
    ...extra,
  };
}

/** The service as start:prod runs it, unless `entry`, `nodeArgs` or `omitEnv` (names of start:prod's settings) say otherwise. */
async function startService({
  core = SERVICE_CORE,
  env = {},
  cwd,
  role = 'service',
  nodeArgs = [],
  entry = SHIPPED.entry,
  omitEnv = [],
  onStdoutLine,
}) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const [command, args] = pinned(core, process.execPath, [...nodeArgs, entry]);
  const started = performance.now();
  const shippedEnv = Object.fromEntries(Object.entries(SHIPPED.env).filter(([name]) => !omitEnv.includes(name)));
  const child = spawn(command, args, {
    cwd,
    env: { ...shippedEnv, ...serviceEnv(port, env) },
    stdio: ['ignore', onStdoutLine ? 'pipe' : 'inherit', 'inherit'],
  });
  if (onStdoutLine) createInterface({ input: child.stdout }).on('line', onStdoutLine);
  track(child, role, core);
  await waitForHealth(url, child);
  return { child, url, port, startMs: performance.now() - started, spawnedAt: started, pid: child.pid, logins: 0 };
}

async function stopService(service) {
  if (service.child.exitCode !== null) return;
  const exited = new Promise((resolve) => service.child.once('exit', resolve));
  service.child.kill('SIGTERM');
  await Promise.race([exited, sleep(15_000)]);
}

function graphql(url, query, variables) {
  return adminGraphql(url, ADMIN_KEY, query, variables);
}

// ---------------------------------------------------------------- seeding
let template;
async function seed(orgs) {
  const t0 = performance.now();
  await sql('BEGIN');
  await sql('TRUNCATE oidc_models, sessions, login_states, memberships, sso_identities, invitations, role_mappings, audit_events, users');
  await sql('DELETE FROM connections');
  await sql('DELETE FROM domains');
  await sql('DELETE FROM api_keys WHERE organization_id IS NOT NULL');
  await sql('DELETE FROM organizations');
  await sql("INSERT INTO organizations (name, slug) SELECT 'Bench org ' || i, 'o' || i FROM generate_series(1, $1::int) i", [orgs]);
  await sql(
    `INSERT INTO domains (organization_id, domain, status, verification_method, verified_at, verification_token)
     SELECT id, slug || '.bench-sso.com', 'VERIFIED', 'OPERATOR', now(), md5(id::text) FROM organizations`,
  );
  await sql(
    `INSERT INTO connections (organization_id, name, type, client_id, client_secret_encrypted, client_secret_hint, issuer, discovery_url,
       authorization_url, token_url, jwks_url, userinfo_url, issuer_response_parameter, groups_claim, scopes, verified_at)
     SELECT id, 'Bench IdP', $1::connection_type, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::text[], now() FROM organizations`,
    [
      template.type,
      template.client_id,
      template.client_secret_encrypted,
      template.client_secret_hint,
      template.issuer,
      template.discovery_url,
      template.authorization_url,
      template.token_url,
      template.jwks_url,
      template.userinfo_url,
      template.issuer_response_parameter,
      template.groups_claim,
      template.scopes,
    ],
  );
  await sql(
    "INSERT INTO role_mappings (organization_id, connection_id, idp_group_id, name, role) SELECT organization_id, id, 'bench-engineers', 'Engineers', 'editor' FROM connections",
  );
  await sql(
    `INSERT INTO users (organization_id, email, first_name, last_name)
     SELECT o.id, 'u' || k || '@' || o.slug || '.bench-sso.com', 'Given u' || k, 'Bench'
       FROM generate_series(1, $2::int) k JOIN organizations o ON o.slug = 'o' || ((k - 1) % $1::int + 1)`,
    [orgs, USERS],
  );
  await sql(`CREATE TEMP TABLE seeded ON COMMIT DROP AS
    SELECT u.id AS user_id, u.email, c.id AS connection_id, c.organization_id
      FROM users u JOIN connections c ON c.organization_id = u.organization_id`);
  await sql(
    "INSERT INTO sso_identities (connection_id, subject, user_id, last_groups, last_login_at) SELECT connection_id, email, user_id, '{bench-engineers}', now() FROM seeded",
  );
  await sql(
    "INSERT INTO memberships (organization_id, user_id, roles, resources) SELECT organization_id, user_id, '{editor}', '{*}' FROM seeded",
  );
  await sql('COMMIT');
  await sql('ANALYZE');
  const connections = (
    await sql('SELECT c.id FROM connections c JOIN organizations o ON o.id = c.organization_id ORDER BY substring(o.slug from 2)::int')
  ).map((row) => row.id);
  const sample = await sql('SELECT organization_id, user_id FROM memberships ORDER BY random() LIMIT 2300');
  const pairs = sample.map((row) => [row.organization_id, row.user_id]);
  log(`seeded ${orgs} organizations, ${orgs} connections, ${USERS} users in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return { orgs, connections, warm: pairs.slice(0, 2000), cold: pairs.slice(2000) };
}

// ---------------------------------------------------------------- measurement helpers
let tagSeq = 0;
/** Runs a task; adds each watched process's CPU use (% of one core) and SQL statements per operation. */
async function measure(task, watched) {
  await statementsReset();
  const t0 = performance.now();
  const start = watched.map((entry) => entry.ticks());
  const result = await runTask(task);
  const elapsed = (performance.now() - t0) / 1000;
  result.cpu = Object.fromEntries(
    watched.map((entry, i) => [entry.name, Math.round((100 * (entry.ticks() - start[i])) / CLK_TCK / elapsed)]),
  );
  const statements = await statementsCount();
  if (statements !== null && result.total) result.statementsPerOp = statements / result.total;
  return result;
}
function watch(services) {
  const list = [
    ...services.map((service, index) => ({
      name: services.length > 1 ? `service${index + 1}` : 'service',
      ticks: () => cpuTicks(service.pid),
    })),
    { name: 'postgres', ticks: dbCpuTicks },
    { name: 'idp', ticks: () => cpuTicks(idp.pid) },
    { name: 'loadgen', ticks: () => cpuTicks(loadgen.pid) },
  ];
  return list;
}
async function window(task, services) {
  const watched = watch(services);
  const result = await measure({ durationMs: WINDOW_MS, warmupMs: 300, ...task }, watched);
  return result;
}

function loginTask(base, seeded, concurrency, jit, extra = {}) {
  return {
    type: 'login',
    base,
    connections: seeded.connections,
    users: USERS,
    jit,
    tag: `${process.pid}x${++tagSeq}`,
    concurrency,
    ...extra,
  };
}

// ---------------------------------------------------------------- run
let idp;
const results = { startedAt: new Date().toISOString(), windowSeconds: SECONDS, machine: {}, placement, figures: {} };
const F = results.figures;

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'sso-bench-'));
  chmodSync(dir, 0o755);
  results.machine = { cores, cpu: cpus()[0]?.model, node: process.version, taskset: hasTaskset };
  try {
    log(
      `placement: service on core ${SERVICE_CORE}; IdP, load generator, PostgreSQL and this orchestrator on core ${OTHER_CORE}${hasTaskset ? '' : ' (taskset missing: nothing is pinned)'}`,
    );
    placement.push({ role: 'orchestrator (bench/run.mjs)', pid: process.pid, core: hasTaskset ? OTHER_CORE : 'any' });

    // IdP and load generator, on the other core
    idp = track(forkPinned('idp.mjs', OTHER_CORE), 'IdP (bench/idp.mjs, lean, RS256)', OTHER_CORE);
    const { issuer, clientSecret } = await firstMessage(idp);
    loadgen = track(forkPinned('load.mjs', OTHER_CORE), 'load generator (bench/load.mjs, undici keep-alive)', OTHER_CORE);

    // Start-up with an initialised embedded database (the service's own, under DATA_DIR)
    if (!SOAK && !PROFILE) await measureStartUp(dir);

    // The database for everything else
    db = await startDatabase(dir);
    db.client = new pg.Client({ connectionString: db.url });
    await db.client.connect();
    results.machine.database = db.where;

    const serviceDir = join(dir, 'service');
    mkdirSync(serviceDir);
    const serviceOptions = ({ env = {}, ...extra } = {}) => ({
      env: { DATABASE_URL: db.url, DATA_DIR: join(serviceDir, 'data'), ...env },
      cwd: serviceDir,
      ...extra,
    });
    await warmCodeCache(serviceEnv(0, serviceOptions().env));
    if (PROFILE) {
      await profileRun(serviceOptions, issuer, clientSecret, dir);
      return;
    }
    let service = await startService(
      serviceOptions({ role: 'service (instance 1)', ...(SOAK ? { nodeArgs: ['--trace-gc'], onStdoutLine: noteFullGc } : {}) }),
    );
    await sleep(1000);
    F.idleRssMb = rssMb(service.pid);
    log(`service idle RSS ${F.idleRssMb.toFixed(0)} MB`);
    try {
      await sql('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
      db.statements = true;
    } catch {
      db.statements = false;
    }

    // An organization, connection, role mapping and API key through the admin API; the
    // connection is the template the SQL seeding copies.
    const { createOrganization: org } = await graphql(
      service.url,
      'mutation ($input: CreateOrganizationInput!) { createOrganization(input: $input) { id } }',
      { input: { name: 'Bench template', slug: 'bench-template' } },
    );
    const { addDomain } = await graphql(
      service.url,
      'mutation ($o: ID!, $d: String!) { addDomain(organizationId: $o, domain: $d) { id } }',
      { o: org.id, d: 'template.bench-sso.com' },
    );
    await graphql(service.url, 'mutation ($id: ID!) { markDomainVerified(id: $id) { status } }', { id: addDomain.id });
    const { createConnection: connection } = await graphql(
      service.url,
      'mutation ($input: CreateConnectionInput!) { createConnection(input: $input) { id } }',
      {
        input: {
          organizationId: org.id,
          type: 'GENERIC_OIDC',
          name: 'Bench IdP',
          clientId: 'bench-client',
          clientSecret,
          discoveryUrl: `${issuer}/.well-known/openid-configuration`,
        },
      },
    );
    await graphql(service.url, 'mutation ($input: CreateRoleMappingInput!) { createRoleMapping(input: $input) { id } }', {
      input: { connectionId: connection.id, idpGroupId: 'bench-engineers', role: 'editor' },
    });
    const { createApiKey } = await graphql(
      service.url,
      'mutation ($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret } }',
      { input: { scopes: ['roles:read'] } },
    );
    const apiKey = createApiKey.secret;
    [template] = await sql('SELECT * FROM connections WHERE id = $1', [connection.id]);
    if (SOAK) {
      await soakRun(service, await seed(ORG_LEVELS[0]), apiKey);
      return;
    }

    // The bare baseline, on the service's core (idle while the baseline runs)
    const bare = track(
      forkPinned('bare.mjs', SERVICE_CORE, {
        BENCH_ISSUER: issuer,
        BENCH_CLIENT_ID: 'bench-client',
        BENCH_CLIENT_SECRET: clientSecret,
        BENCH_API_KEY: apiKey,
      }),
      'bare baseline (bench/bare.mjs: node:http + openid-client + jose)',
      SERVICE_CORE,
    );
    const { url: bareUrl } = await firstMessage(bare);
    const bareProcess = { pid: bare.pid };

    // ---- 10 organizations: logins
    let seeded = await seed(ORG_LEVELS[0]);
    // Steady state, not warm-up, on both sides: JIT, pool connections and a heap grown to its
    // working size (the soak shows V8 growing it over the first ~2 000 logins) before any window.
    log(`warm-up: ${WARMUP_MS / 1000} s of first and returning logins on the service and on the bare baseline, not measured`);
    for (const base of [service.url, bareUrl]) {
      for (const jit of [true, false]) {
        const warm = await runTask(loginTask(base, seeded, 16, jit, { durationMs: WARMUP_MS / 2, warmupMs: 0 }));
        if (base === service.url) service.logins += warm.done + warm.errors;
      }
    }
    F.logins = { jit: {}, returning: {}, bare: {} };
    for (const jit of [true, false]) {
      for (const concurrency of LOGIN_CONCURRENCY) {
        const result = await window(loginTask(service.url, seeded, concurrency, jit), [service]);
        service.logins += result.done + result.errors;
        F.logins[jit ? 'jit' : 'returning'][concurrency] = result;
        log(
          `logins ${jit ? 'JIT      ' : 'returning'} c=${String(concurrency).padStart(2)}: ${result.perSecond.toFixed(0)}/s, client p50 ${result.latency.p50?.toFixed(1)} ms, callback own p99 ${result.server.callback?.p99?.toFixed(1)} ms, cpu ${JSON.stringify(result.cpu)}${result.errors ? `, ${result.errors} errors: ${result.firstError}` : ''}`,
        );
      }
    }
    for (const concurrency of LOGIN_CONCURRENCY) {
      const result = await window(loginTask(bareUrl, seeded, concurrency, true), [bareProcess]);
      F.logins.bare[concurrency] = result;
      log(
        `logins bare      c=${String(concurrency).padStart(2)}: ${result.perSecond.toFixed(0)}/s, callback own p99 ${result.server.callback?.p99?.toFixed(1)} ms, cpu ${JSON.stringify(result.cpu)}${result.errors ? `, ${result.errors} errors: ${result.firstError}` : ''}`,
      );
    }
    const maxReturning = Math.max(...LOGIN_CONCURRENCY.map((c) => F.logins.returning[c].perSecond));
    const half = await window({ ...loginTask(service.url, seeded, 32, false), ratePerSecond: maxReturning / 2 }, [service]);
    service.logins += half.done + half.errors;
    F.logins.halfLoad = half;
    log(
      `logins returning at half max (${(maxReturning / 2).toFixed(0)}/s): got ${half.perSecond.toFixed(0)}/s, callback own p50 ${half.server.callback?.p50?.toFixed(2)} p99 ${half.server.callback?.p99?.toFixed(2)} ms`,
    );

    if (F.levers) {
      await measureLoginLevers(serviceOptions, service, seeded);
      // The levers' services have issuers of their own: the verify figure takes the last login's token, this service's again.
      service.logins += (await runTask(loginTask(service.url, seeded, 1, false, { durationMs: 500, warmupMs: 0 }))).done;
    }

    // ---- 10 organizations: full logins through the OpenID Provider (bench/op.mjs)
    F.op = await benchOp({
      serviceUrl: service.url,
      bareUrl,
      adminKey: ADMIN_KEY,
      people: { connections: seeded.connections, users: USERS },
      seconds: SECONDS,
      workerCore: OTHER_CORE,
      servicePid: service.pid,
      barePid: bare.pid,
      label: 'logins through the OpenID Provider (10 orgs)',
      log,
    });
    service.logins += F.op.logins;

    // ---- 10 organizations: roles API
    F.roles = { service: {}, bare: {} };
    await runTask({ type: 'roles', base: service.url, apiKey, targets: seeded.warm, concurrency: 16, durationMs: 1000, warmupMs: 0 });
    for (const concurrency of ROLES_CONCURRENCY) {
      const result = await window({ type: 'roles', base: service.url, apiKey, targets: seeded.warm, concurrency }, [service]);
      F.roles.service[concurrency] = result;
      log(
        `roles service c=${String(concurrency).padStart(2)}: ${result.perSecond.toFixed(0)}/s, p50 ${result.latency.p50?.toFixed(2)} p99 ${result.latency.p99?.toFixed(2)} ms, statements/request ${result.statementsPerOp?.toFixed(2)}, cpu ${JSON.stringify(result.cpu)}`,
      );
    }
    for (const concurrency of ROLES_CONCURRENCY) {
      const result = await window({ type: 'roles', base: bareUrl, apiKey, targets: seeded.warm, concurrency }, [bareProcess]);
      F.roles.bare[concurrency] = result;
      log(
        `roles bare    c=${String(concurrency).padStart(2)}: ${result.perSecond.toFixed(0)}/s, p50 ${result.latency.p50?.toFixed(2)} p99 ${result.latency.p99?.toFixed(2)} ms`,
      );
    }
    // Misses: members never asked for before, one at a time; and warm requests at c=1 beside them.
    await statementsReset();
    const cold = await runTask({ type: 'rolesOnce', base: service.url, apiKey, targets: seeded.cold });
    const coldStatements = await statementsCount();
    cold.statementsPerOp = coldStatements === null ? null : coldStatements / seeded.cold.length;
    F.roles.miss = cold;
    const warmStatements = F.roles.service[16].statementsPerOp;
    F.roles.hitRatio =
      cold.statementsPerOp && warmStatements !== undefined ? Math.max(0, Math.min(1, 1 - warmStatements / cold.statementsPerOp)) : null;
    log(
      `roles first request (miss) p50 ${cold.latency.p50?.toFixed(2)} p99 ${cold.latency.p99?.toFixed(2)} ms (app ${cold.server.app.p50?.toFixed(2)}), ${cold.statementsPerOp?.toFixed(2)} statements; warm ${warmStatements?.toFixed(2)} statements/request -> hit ratio ${F.roles.hitRatio?.toFixed(2)}`,
    );

    // ---- session tokens verified by a microservice (jose, JWKS from the service)
    F.verify = await runTask({ type: 'verify', jwksUrl: `${service.url}/.well-known/jwks.json`, issuer: service.url, durationMs: 2000 });
    log(`session tokens verified: ${F.verify.perSecond.toFixed(0)}/s on one core`);

    // ---- memory after 10 000 logins (within a time budget; extrapolated when the budget ends first)
    const memoryDeadline = Date.now() + Number(process.env.BENCH_MEMORY_BUDGET_S ?? 90) * 1000;
    const warmLogins = service.logins;
    const warmRssMb = rssMb(service.pid);
    const [{ count: warmSessions }] = await sql('SELECT count(*)::int AS count FROM sessions');
    while (service.logins < 10_000 && Date.now() < memoryDeadline) {
      const result = await runTask(loginTask(service.url, seeded, 32, service.logins % 2 === 0, { durationMs: 2000, warmupMs: 0 }));
      service.logins += result.done + result.errors;
      if (!result.done) throw new Error(`logins fail: ${result.firstError}`);
    }
    await sleep(500);
    F.memory = await memoryFigures(service, { warmLogins, warmRssMb, warmSessions });
    log(
      `after ${service.logins} logins: RSS ${F.memory.rssAfterMb.toFixed(0)} MB; ${F.memory.sessions} sessions, table ${F.memory.sessionsTableMbPer10k.toFixed(2)} MB per 10 000`,
    );

    // ---- growth
    F.growth = {};
    for (const orgs of ORG_LEVELS) {
      if (orgs !== ORG_LEVELS[0]) seeded = await seed(orgs);
      const entry = {};
      entry.returning = await window(loginTask(service.url, seeded, 32, false), [service]);
      entry.jit = await window(loginTask(service.url, seeded, 32, true), [service]);
      await runTask({ type: 'roles', base: service.url, apiKey, targets: seeded.warm, concurrency: 16, durationMs: 700, warmupMs: 0 });
      entry.roles = await window({ type: 'roles', base: service.url, apiKey, targets: seeded.warm, concurrency: 64 }, [service]);
      F.growth[orgs] = entry;
      log(
        `${String(orgs).padStart(5)} orgs: logins returning ${entry.returning.perSecond.toFixed(0)}/s, JIT ${entry.jit.perSecond.toFixed(0)}/s, roles ${entry.roles.perSecond.toFixed(0)}/s (p99 ${entry.roles.latency.p99?.toFixed(2)} ms)${entry.jit.errors + entry.returning.errors ? `, errors: ${entry.jit.firstError ?? entry.returning.firstError}` : ''}`,
      );
    }

    // ---- two instances on the two cores, one database
    const second = await startService(serviceOptions({ core: OTHER_CORE, role: 'service (instance 2)' }));
    await runTask({
      type: 'roles',
      bases: [service.url, second.url],
      base: service.url,
      apiKey,
      targets: seeded.warm,
      concurrency: 16,
      durationMs: 700,
      warmupMs: 0,
    });
    F.twoInstances = {
      orgs: ORG_LEVELS.at(-1),
      returning: await window(loginTask(service.url, seeded, 32, false, { bases: [service.url, second.url] }), [service, second]),
      roles: await window(
        { type: 'roles', base: service.url, bases: [service.url, second.url], apiKey, targets: seeded.warm, concurrency: 64 },
        [service, second],
      ),
    };
    log(
      `two instances: logins ${F.twoInstances.returning.perSecond.toFixed(0)}/s, roles ${F.twoInstances.roles.perSecond.toFixed(0)}/s, cpu ${JSON.stringify(F.twoInstances.returning.cpu)}`,
    );
    await stopService(second);
    await stopService(service);
    bare.kill('SIGTERM');
    report();
  } finally {
    stopAll();
    await db?.client?.end().catch(() => undefined);
    await db?.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * RSS after the logins, and what 10 000 more sessions cost: the RSS slope between the end of the
 * measured windows (heap already grown to its working size) and the end of this phase, and the
 * sessions table's bytes per row. Sessions live in PostgreSQL and in the token, not in memory.
 */
async function memoryFigures(service, warm) {
  const [row] = await sql("SELECT count(*)::int AS sessions, pg_total_relation_size('sessions') AS bytes FROM sessions");
  const rssAfterMb = rssMb(service.pid);
  return {
    logins: service.logins,
    rssAfterMb,
    warm,
    rssPer10kMb: ((rssAfterMb - warm.warmRssMb) * 10_000) / Math.max(1, service.logins - warm.warmLogins),
    sessions: row.sessions,
    sessionsTableMbPer10k: (Number(row.bytes) / 1024 / 1024) * (10_000 / Math.max(1, row.sessions)),
  };
}

// ---------------------------------------------------------------- profiling
async function profileRun(serviceOptions, issuer, clientSecret, dir) {
  const profileDir = join(RESULTS, 'profiles.tmp');
  rmSync(profileDir, { recursive: true, force: true });
  mkdirSync(profileDir, { recursive: true });
  const summaries = {};
  let apiKey;
  for (const load of ['logins', 'roles']) {
    const options = serviceOptions({
      role: `service (--cpu-prof, ${load})`,
      nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, load)}`],
    });
    // The profiling flags key a code cache of their own: written by a start of its own, not a
    // minute into the profile.
    await warmCodeCache(serviceEnv(0, options.env), options.nodeArgs);
    rmSync(join(profileDir, load), { recursive: true, force: true });
    const service = await startService(options);
    if (!template) {
      const { createOrganization: org } = await graphql(
        service.url,
        'mutation ($input: CreateOrganizationInput!) { createOrganization(input: $input) { id } }',
        { input: { name: 'Bench template', slug: 'bench-template' } },
      );
      const { createConnection: connection } = await graphql(
        service.url,
        'mutation ($input: CreateConnectionInput!) { createConnection(input: $input) { id } }',
        {
          input: {
            organizationId: org.id,
            type: 'GENERIC_OIDC',
            clientId: 'bench-client',
            clientSecret,
            discoveryUrl: `${issuer}/.well-known/openid-configuration`,
          },
        },
      );
      apiKey = (
        await graphql(service.url, 'mutation ($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret } }', {
          input: { scopes: ['roles:read'] },
        })
      ).createApiKey.secret;
      [template] = await sql('SELECT * FROM connections WHERE id = $1', [connection.id]);
    }
    const seeded = await seed(1000);
    const duration = 8000;
    const loadStartedMs = performance.now() - service.spawnedAt;
    if (load === 'logins') {
      const jit = await runTask(loginTask(service.url, seeded, 32, true, { durationMs: duration / 2, warmupMs: 500 }));
      await sql('CREATE EXTENSION IF NOT EXISTS pg_stat_statements').catch(() => undefined);
      db.statements = true;
      await statementsReset().catch(() => (db.statements = false));
      const returning = await runTask(loginTask(service.url, seeded, 32, false, { durationMs: duration / 2, warmupMs: 0 }));
      log(`profiled logins: JIT ${jit.perSecond.toFixed(0)}/s, returning ${returning.perSecond.toFixed(0)}/s`);
      if (db.statements) console.log(`\n## SQL per returning login (pg_stat_statements)\n\n${await statementsPerLogin(returning.done)}`);
    } else {
      const roles = await runTask({
        type: 'roles',
        base: service.url,
        apiKey,
        targets: seeded.warm,
        concurrency: 64,
        durationMs: duration,
        warmupMs: 500,
      });
      log(`profiled roles: ${roles.perSecond.toFixed(0)}/s`);
    }
    await stopService(service);
    const file = readdirSync(join(profileDir, load)).find((name) => name.endsWith('.cpuprofile'));
    summaries[load] = summariseProfile(JSON.parse(readFileSync(join(profileDir, load, file), 'utf8')), 25, loadStartedMs);
    console.log(
      `\n## CPU profile of the service under ${load} load, start-up left out (${join('bench/results/profiles.tmp', load, file)})\n`,
    );
    console.log(summaries[load].text);
  }
  writeFileSync(join(RESULTS, 'profile-summary.json.tmp'), JSON.stringify(summaries, null, 2));
}

/** The service's own heap figures, from its /metrics (prom-client's default metrics), in MB. */
async function heapMb(service) {
  const text = await (await fetch(`${service.url}/metrics`)).text();
  const read = (pattern) => Number(new RegExp(`^${pattern} ([0-9.e+]+)$`, 'm').exec(text)?.[1] ?? NaN) / 2 ** 20;
  return {
    heapUsed: read('nodejs_heap_size_used_bytes'),
    heapTotal: read('nodejs_heap_size_total_bytes'),
    oldSpace: read('nodejs_heap_space_size_used_bytes\\{space="old"\\}'),
    external: read('nodejs_external_memory_bytes'),
  };
}

/** The live heap after each full (mark-compact) collection, from V8's --trace-gc lines: what a leak would grow. */
const liveAfterFullGc = [];
function noteFullGc(line) {
  const after = /Mark-Compact(?: \(reduce\))? [\d.]+ \([\d.]+\) -> ([\d.]+) \([\d.]+\) MB/.exec(line);
  if (after) liveAfterFullGc.push(Number(after[1]));
  else if (!/^\[\d+:0x[0-9a-f]+\]/.test(line)) process.stdout.write(`${line}\n`);
}

/**
 * --soak: rounds of returning and first logins and roles calls for BENCH_SOAK_MINUTES, printing
 * RSS and heap after each round. Growth is judged on the second half (the first half warms the
 * JIT, the pools and the heap): the slope of the heap's old space per 10 000 logins.
 */
async function soakRun(service, seeded, apiKey) {
  const deadline = Date.now() + SOAK_MINUTES * 60_000;
  const samples = [];
  const sample = async (round) => {
    const heap = await heapMb(service);
    const fullGcs = liveAfterFullGc.splice(0);
    const liveMb = fullGcs.length ? Math.min(...fullGcs) : NaN;
    samples.push({
      round,
      logins: service.logins,
      roles: service.roles ?? 0,
      rssMb: rssMb(service.pid),
      ...heap,
      fullGcs: fullGcs.length,
      liveMb,
    });
    const s = samples[samples.length - 1];
    log(
      `soak round ${String(round).padStart(3)}: ${fmt(s.logins)} logins, ${fmt(s.roles)} roles calls; RSS ${s.rssMb.toFixed(0)} MB, heap used ${s.heapUsed.toFixed(1)} of ${s.heapTotal.toFixed(0)} MB, old space ${s.oldSpace.toFixed(1)} MB, external ${s.external.toFixed(1)} MB; ${s.fullGcs} full GCs, live after them ${fmt(s.liveMb, 1)} MB`,
    );
  };
  await sample(0);
  for (let round = 1; Date.now() < deadline; round++) {
    for (const jit of [false, true]) {
      const result = await runTask(loginTask(service.url, seeded, 16, jit, { durationMs: jit ? 2000 : 4000, warmupMs: 0 }));
      service.logins += result.done + result.errors;
      if (result.errors && !result.done) throw new Error(`logins fail: ${result.firstError}`);
    }
    const roles = await runTask({
      type: 'roles',
      base: service.url,
      apiKey,
      targets: seeded.warm,
      concurrency: 16,
      durationMs: 3000,
      warmupMs: 0,
    });
    service.roles = (service.roles ?? 0) + roles.done;
    await sample(round);
  }
  const secondHalf = samples.slice(Math.floor(samples.length / 2));
  const slope = (key) => {
    const points = secondHalf.filter((s) => Number.isFinite(s[key]));
    const xs = points.map((s) => s.logins);
    const ys = points.map((s) => s[key]);
    const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
    const my = ys.reduce((a, b) => a + b, 0) / ys.length;
    const num = xs.reduce((sum, x, i) => sum + (x - mx) * (ys[i] - my), 0);
    const den = xs.reduce((sum, x) => sum + (x - mx) ** 2, 0);
    return den ? (num / den) * 10_000 : NaN;
  };
  const soak = {
    minutes: SOAK_MINUTES,
    samples,
    perTenThousandLogins: { rssMb: slope('rssMb'), heapUsedMb: slope('heapUsed'), liveMb: slope('liveMb') },
  };
  const live = soak.perTenThousandLogins.liveMb;
  const verdict = !Number.isFinite(live)
    ? 'too short to judge (fewer than two full collections in the second half)'
    : Math.abs(live) < 2
      ? 'flat'
      : 'GROWING';
  console.log(`\n## Soak: ${SOAK_MINUTES} min of mixed logins and roles calls\n`);
  console.log('| round | logins | roles calls | RSS MB | heap used MB | old space MB | external MB | full GCs | live after full GC MB |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const s of samples)
    console.log(
      `| ${s.round} | ${fmt(s.logins)} | ${fmt(s.roles)} | ${s.rssMb.toFixed(0)} | ${s.heapUsed.toFixed(1)} | ${s.oldSpace.toFixed(1)} | ${s.external.toFixed(1)} | ${s.fullGcs} | ${fmt(s.liveMb, 1)} |`,
    );
  const per = soak.perTenThousandLogins;
  console.log(
    `\nSecond half, per 10 000 logins: RSS ${per.rssMb.toFixed(1)} MB, heap used ${per.heapUsedMb.toFixed(1)} MB, live heap after full GCs ${per.liveMb.toFixed(1)} MB: ${verdict} (target: live heap within ±2 MB per 10 000 logins)`,
  );
  writeFileSync(join(RESULTS, 'soak.json'), JSON.stringify(soak, null, 2));
}

/**
 * Start to /health 200 on an initialised embedded database (the service's own, under DATA_DIR),
 * with the CPU it took and the RSS a second later. Nothing else runs meanwhile, so the service is
 * not pinned: its embedded PostgreSQL, a child process, would otherwise share its one core. The
 * service as built (start:prod) in production mode, as the container runs it, and beside it in
 * alternation: the same confined to one core, outside production (which also writes schema.gql),
 * the unbundled tsc output it replaced, and without the C heap setting.
 */
async function measureStartUp(dir) {
  const startDir = join(dir, 'start');
  mkdirSync(startDir, { mode: 0o755 });
  // PUBLIC_URL is only named in links: nothing is fetched from it at start.
  const production = { NODE_ENV: 'production', PUBLIC_URL: 'https://sso.bench.example' };
  const variants = [
    { name: 'as built (npm run start:prod: the bundle from its code cache), NODE_ENV=production', env: production },
    {
      name: `as built, NODE_ENV=production, confined to core ${SERVICE_CORE} with its embedded PostgreSQL`,
      env: production,
      core: SERVICE_CORE,
    },
    { name: 'as built, outside production (NODE_ENV unset; also writes schema.gql)', env: {} },
    {
      name: 'before: the tsc output, ~1 700 files, without the C heap setting, NODE_ENV=production',
      entry: MAIN_JS,
      omitEnv: MALLOC_SETTINGS,
      env: production,
    },
    { name: `as built without ${MALLOC_SETTINGS.join(', ')}, NODE_ENV=production`, omitEnv: MALLOC_SETTINGS, env: production },
  ];
  log(`start-up: first start initialises the embedded database (not timed), then 3 timed starts of each of ${variants.length} variants`);
  const startEnv = { DATA_DIR: join(startDir, 'data') };
  const role = 'service (start-up test, embedded DB)';
  await stopService(await startService({ env: { ...startEnv, ...production }, cwd: startDir, role, core: ALL_CORES }));
  for (const variant of variants) variant.runs = [];
  for (let i = 0; i < 3; i++) {
    // Each round starts with another variant, so that none always follows the same one.
    for (const variant of [...variants.slice(i), ...variants.slice(0, i)]) {
      const { name: _name, runs: _runs, env, core = ALL_CORES, ...how } = variant;
      const service = await startService({ env: { ...startEnv, ...env }, cwd: startDir, role, core, ...how });
      const cpuMs = (cpuTicks(service.pid) * 1000) / CLK_TCK;
      await sleep(1000);
      variant.runs.push({ startMs: service.startMs, cpuMs, idleRssMb: rssMb(service.pid) });
      await stopService(service);
    }
  }
  placement.splice(
    placement.findIndex((p) => p.role === role),
    1 + 3 * variants.length,
    {
      role: `service (start-up test, embedded DB; ${1 + 3 * variants.length} runs)`,
      pid: '-',
      core: `${ALL_CORES} (one variant ${SERVICE_CORE})`,
    },
  );
  const median = (runs, key) => runs.map((run) => run[key]).sort((a, b) => a - b)[1];
  F.levers = {
    start: variants.map(({ name, runs }) => ({
      name,
      startMs: median(runs, 'startMs'),
      cpuMs: median(runs, 'cpuMs'),
      idleRssMb: median(runs, 'idleRssMb'),
      runs,
    })),
  };
  const asBuilt = variants[0].runs.map((run) => run.startMs);
  F.startMs = { median: F.levers.start[0].startMs, all: asBuilt };
  for (const lever of F.levers.start)
    log(
      `start to /health 200, ${lever.name}: ${fmt(lever.startMs)} ms (CPU ${fmt(lever.cpuMs)} ms), RSS a second later ${fmt(lever.idleRssMb)} MB`,
    );
}

/**
 * Levers under login load: returning logins at c=32 on a service that differs by one setting (or
 * build), alternated with a fresh twin of the service as built on the same database, both started
 * and warmed alike (a long-running service against a fresh one favoured the former by up to half).
 * `asBuiltHasIt`: the service as built already pulls the lever, and the other one shows the
 * figures without it.
 */
const LOGIN_LEVERS = [
  {
    key: 'preparedStatements',
    name: 'named prepared statements',
    asBuiltHasIt: true,
    options: { env: { DATABASE_PREPARED_STATEMENTS: 'false' } },
  },
  {
    key: 'mallocSettings',
    name: `the C heap setting ${MALLOC_SETTINGS.join(', ')}`,
    asBuiltHasIt: true,
    options: { omitEnv: MALLOC_SETTINGS },
  },
  {
    key: 'youngGeneration',
    name: `young generation ${SMALL_YOUNG_GENERATION.join(' ')}`,
    asBuiltHasIt: false,
    options: { nodeArgs: SMALL_YOUNG_GENERATION },
  },
  // Changes measured against the builds before them: BENCH_AGAINST=<checkout, built>[,<another>...].
  ...AGAINST.map((checkout) => ({
    key: `against ${checkout}`,
    name: `this build (against ${checkout})`,
    asBuiltHasIt: true,
    options: { entry: join(checkout, relative(ROOT, SHIPPED.entry)) },
  })),
];

async function measureLoginLevers(serviceOptions, service, seeded) {
  F.levers.logins = {};
  for (const lever of LOGIN_LEVERS) {
    const other = await startService(
      serviceOptions({ role: `service (lever: ${lever.name} ${lever.asBuiltHasIt ? 'off' : 'on'})`, ...lever.options }),
    );
    const twin = await startService(serviceOptions({ role: `service (as built, the twin for lever: ${lever.name})` }));
    try {
      // Both warmed up alike (JIT, pool connections, a heap grown to its working size).
      for (const fresh of [other, twin]) await runTask(loginTask(fresh.url, seeded, 32, false, { durationMs: WARMUP_MS, warmupMs: 0 }));
      // Alternated three times and the median kept: one window of each on a shared machine says
      // little. Which goes first swaps each round (ABBA...): the first of a pair came out ahead
      // of the second often enough to bias a fixed order.
      const onOther = [];
      const onAsBuilt = [];
      for (let round = 0; round < 3; round++) {
        const measureOther = async () => onOther.push(await window(loginTask(other.url, seeded, 32, false), [other]));
        const measureTwin = async () => onAsBuilt.push(await window(loginTask(twin.url, seeded, 32, false), [twin]));
        for (const measure of round % 2 ? [measureTwin, measureOther] : [measureOther, measureTwin]) await measure();
      }
      const median = (results) => [...results].sort((a, b) => a.perSecond - b.perSecond)[1];
      const otherRssMb = rssMb(other.pid);
      const [before, after] = lever.asBuiltHasIt ? [median(onOther), median(onAsBuilt)] : [median(onAsBuilt), median(onOther)];
      F.levers.logins[lever.key] = { name: lever.name, before, after, otherRssMb, asBuiltHasIt: lever.asBuiltHasIt };
      log(`lever ${lever.name}: returning logins c=32 ${leverSummary(before)} without, ${leverSummary(after)} with`);
    } finally {
      await stopService(other);
      await stopService(twin);
    }
  }
}

/** A login window as a lever's figure: throughput, the callback's own p99, and the service's and PostgreSQL's CPU per login. */
function leverSummary(r) {
  const msPerLogin = (name) => (r.perSecond ? ((r.cpu?.[name] ?? 0) * 10) / r.perSecond : NaN);
  return `${fmt(r.perSecond)}/s (own p99 ${fmt(r.server.callback?.p99, 1)} ms; CPU/login: service ${fmt(msPerLogin('service'), 2)} ms, PostgreSQL ${fmt(msPerLogin('postgres'), 2)} ms)`;
}

// ---------------------------------------------------------------- report
function fmt(value, digits = 0) {
  if (value === null || value === undefined || Number.isNaN(value)) return 'n/a';
  return Number(value).toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Throughput per second of CPU the measured process used: a per-core figure that a busy machine disturbs less. */
function perCpuSecond(r, name = 'service') {
  const share = (r.cpu?.[name] ?? 0) / 100;
  return share > 0 ? r.perSecond / share : null;
}
const cpuNote = (r) =>
  `cpu% ${Object.entries(r.cpu)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')}`;

function report() {
  const rows = [];
  const add = (section, figure, value, unit, target, met, baseline, note) =>
    rows.push({
      section,
      figure,
      value,
      unit,
      target: target ?? '',
      met: met === undefined ? '' : met ? 'met' : 'MISSED',
      baseline: baseline ?? '',
      note: note ?? '',
    });
  const L = F.logins;
  const bareMax = Math.max(...LOGIN_CONCURRENCY.map((c) => L.bare[c].perSecond));
  for (const kind of ['jit', 'returning']) {
    for (const c of LOGIN_CONCURRENCY) {
      const r = L[kind][c];
      const b = L.bare[c];
      const ratio = r.perSecond / b.perSecond;
      add(
        'logins (10 orgs)',
        `${kind === 'jit' ? 'first (JIT)' : 'returning'} round trips/s, c=${c}`,
        fmt(r.perSecond),
        '/s',
        c === 32 ? '>= 500/core, >= 0.5x bare' : '',
        c === 32 ? r.perSecond >= 500 && ratio >= 0.5 : undefined,
        `${fmt(b.perSecond)} (x${ratio.toFixed(2)})`,
        `${fmt(perCpuSecond(r))} per service CPU-second (bare ${fmt(perCpuSecond(b))}); ${cpuNote(r)}${r.errors ? `; ${r.errors} errors` : ''}; ${r.statementsPerOp ? `${r.statementsPerOp.toFixed(1)} SQL statements/login` : ''}`,
      );
      add(
        'logins (10 orgs)',
        `${kind === 'jit' ? 'JIT' : 'returning'} c=${c}: initiate app p50/p99`,
        `${fmt(r.server.initiate?.p50, 2)} / ${fmt(r.server.initiate?.p99, 2)}`,
        'ms',
        '',
        undefined,
        `${fmt(b.server.initiate?.p50, 2)} / ${fmt(b.server.initiate?.p99, 2)}`,
      );
      add(
        'logins (10 orgs)',
        `${kind === 'jit' ? 'JIT' : 'returning'} c=${c}: callback own p50/p99 (IdP wait excluded)`,
        `${fmt(r.server.callback?.p50, 2)} / ${fmt(r.server.callback?.p99, 2)}`,
        'ms',
        '',
        undefined,
        `${fmt(b.server.callback?.p50, 2)} / ${fmt(b.server.callback?.p99, 2)}`,
        `with the IdP wait: ${fmt(r.server.callbackTotal?.p50, 2)} / ${fmt(r.server.callbackTotal?.p99, 2)} ms (bare ${fmt(b.server.callbackTotal?.p50, 2)} / ${fmt(b.server.callbackTotal?.p99, 2)})`,
      );
    }
  }
  const best = Math.max(...LOGIN_CONCURRENCY.flatMap((c) => [L.returning[c].perSecond]));
  const bestCpu = Math.max(...LOGIN_CONCURRENCY.map((c) => perCpuSecond(L.returning[c]) ?? 0));
  const bareCpu = Math.max(...LOGIN_CONCURRENCY.map((c) => perCpuSecond(L.bare[c]) ?? 0));
  add(
    'logins (10 orgs)',
    'best returning round trips/s vs best bare',
    fmt(best),
    '/s',
    '>= 500, >= 0.5x bare',
    best >= 500 && best / bareMax >= 0.5,
    `${fmt(bareMax)} (x${(best / bareMax).toFixed(2)})`,
  );
  add(
    'logins (10 orgs)',
    'returning round trips per service CPU-second (best)',
    fmt(bestCpu),
    '/s',
    '>= 500, >= 0.5x bare',
    bestCpu >= 500 && bestCpu / bareCpu >= 0.5,
    `${fmt(bareCpu)} (x${(bestCpu / bareCpu).toFixed(2)})`,
    'throughput / share of a core the process used: the per-core figure on a shared machine',
  );
  add(
    'logins (10 orgs)',
    `callback own p99 at half max load (${fmt(L.halfLoad.perSecond)}/s returning)`,
    fmt(L.halfLoad.server.callback?.p99, 2),
    'ms',
    '<= 15 ms',
    (L.halfLoad.server.callback?.p99 ?? Infinity) <= 15,
    '',
    `p50 ${fmt(L.halfLoad.server.callback?.p50, 2)} ms; with the IdP wait p50/p99 ${fmt(L.halfLoad.server.callbackTotal?.p50, 2)} / ${fmt(L.halfLoad.server.callbackTotal?.p99, 2)} ms`,
  );
  for (const row of F.op.rows) add(...row);
  const R = F.roles;
  for (const c of ROLES_CONCURRENCY) {
    const r = R.service[c];
    const b = R.bare[c];
    const ratio = r.perSecond / b.perSecond;
    add(
      'roles API (10 orgs, warm)',
      `req/s c=${c}`,
      fmt(r.perSecond),
      '/s',
      '>= 5000/core, >= 0.5x bare',
      r.perSecond >= 5000 && ratio >= 0.5,
      `${fmt(b.perSecond)} (x${ratio.toFixed(2)})`,
      `${fmt(perCpuSecond(r))} per service CPU-second (bare ${fmt(perCpuSecond(b))}); ${cpuNote(r)}; ${r.statementsPerOp !== undefined ? `${r.statementsPerOp.toFixed(2)} SQL statements/request` : ''}`,
    );
    add(
      'roles API (10 orgs, warm)',
      `p50/p99 c=${c} (client)`,
      `${fmt(r.latency.p50, 2)} / ${fmt(r.latency.p99, 2)}`,
      'ms',
      'p99 <= 2 ms',
      r.latency.p99 <= 2,
      `${fmt(b.latency.p50, 2)} / ${fmt(b.latency.p99, 2)}`,
      `app p50/p99 ${fmt(r.server.app?.p50, 2)} / ${fmt(r.server.app?.p99, 2)} ms`,
    );
  }
  const rolesCpu = Math.max(...ROLES_CONCURRENCY.map((c) => perCpuSecond(R.service[c]) ?? 0));
  const rolesBareCpu = Math.max(...ROLES_CONCURRENCY.map((c) => perCpuSecond(R.bare[c]) ?? 0));
  add(
    'roles API (10 orgs, warm)',
    'requests per service CPU-second (best)',
    fmt(rolesCpu),
    '/s',
    '>= 5000, >= 0.5x bare',
    rolesCpu >= 5000 && rolesCpu / rolesBareCpu >= 0.5,
    `${fmt(rolesBareCpu)} (x${(rolesCpu / rolesBareCpu).toFixed(2)})`,
    'throughput / share of a core the process used',
  );
  add(
    'roles API (10 orgs)',
    'cache hit ratio (estimated)',
    R.hitRatio === null ? 'n/a' : fmt(R.hitRatio, 2),
    '',
    '',
    undefined,
    '',
    `1 - (SQL statements per warm request / per first request), from pg_stat_statements; the service exposes no hit counter`,
  );
  add(
    'roles API (10 orgs)',
    'miss latency: first request for a member, p50/p99 (client)',
    `${fmt(R.miss.latency.p50, 2)} / ${fmt(R.miss.latency.p99, 2)}`,
    'ms',
    '',
    undefined,
    '',
    `app p50 ${fmt(R.miss.server.app.p50, 2)} ms; warm c=1 p50 ${fmt(R.service[1].latency.p50, 2)} ms`,
  );
  add('session tokens', 'verified per second (jose, JWKS, one core)', fmt(F.verify.perSecond), '/s');
  for (const orgs of ORG_LEVELS) {
    const g = F.growth[orgs];
    add(
      `growth: ${fmt(orgs)} orgs, ${fmt(USERS)} users`,
      'logins returning / JIT c=32',
      `${fmt(g.returning.perSecond)} / ${fmt(g.jit.perSecond)}`,
      '/s',
      '>= 500',
      g.returning.perSecond >= 500,
      '',
      `callback own p99 ${fmt(g.returning.server.callback?.p99, 2)} / ${fmt(g.jit.server.callback?.p99, 2)} ms${g.jit.errors + g.returning.errors ? `; errors ${g.jit.errors + g.returning.errors}` : ''}`,
    );
    add(
      `growth: ${fmt(orgs)} orgs, ${fmt(USERS)} users`,
      'roles req/s c=64, p99',
      `${fmt(g.roles.perSecond)}, ${fmt(g.roles.latency.p99, 2)} ms`,
      '',
      '>= 5000, <= 2 ms',
      g.roles.perSecond >= 5000 && g.roles.latency.p99 <= 2,
      '',
    );
  }
  const T = F.twoInstances;
  add(
    `two instances (2 cores, ${fmt(T.orgs)} orgs)`,
    'logins returning c=32',
    fmt(T.returning.perSecond),
    '/s',
    '',
    undefined,
    `1 instance: ${fmt(F.growth[T.orgs].returning.perSecond)}`,
    `cpu% ${Object.entries(T.returning.cpu)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  add(
    `two instances (2 cores, ${fmt(T.orgs)} orgs)`,
    'roles req/s c=64, p99',
    `${fmt(T.roles.perSecond)}, ${fmt(T.roles.latency.p99, 2)} ms`,
    '',
    '',
    undefined,
    `1 instance: ${fmt(F.growth[T.orgs].roles.perSecond)}`,
    `cpu% ${Object.entries(T.roles.cpu)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  const M = F.memory;
  add('memory', 'RSS idle', fmt(F.idleRssMb), 'MB', '<= 150 MB', F.idleRssMb <= 150);
  add(
    'memory',
    `RSS after ${fmt(M.logins)} logins`,
    fmt(M.rssAfterMb),
    'MB',
    '',
    undefined,
    '',
    M.logins < 10_000
      ? 'fewer than 10 000: the time budget (BENCH_MEMORY_BUDGET_S, 90 s) ended first; the cost per 10 000 is extrapolated'
      : '',
  );
  add(
    'memory',
    'cost per 10 000 sessions',
    `${fmt(M.rssPer10kMb, 1)} RSS + ${fmt(M.sessionsTableMbPer10k, 2)} DB`,
    'MB',
    '',
    undefined,
    '',
    `RSS slope from ${fmt(M.warm.warmLogins)} logins (${fmt(M.warm.warmRssMb)} MB, heap already grown under load) to ${fmt(M.logins)}, per 10 000; sessions table with index per 10 000 rows`,
  );
  for (const lever of F.levers?.start ?? []) {
    const asBuilt = F.levers.start[0];
    if (lever === asBuilt) continue;
    add(
      'lever',
      `start-up: ${lever.name}`,
      `${fmt(lever.startMs)} ms, CPU ${fmt(lever.cpuMs)} ms, RSS ${fmt(lever.idleRssMb)} MB`,
      '',
      '',
      undefined,
      `as built: ${fmt(asBuilt.startMs)} ms, CPU ${fmt(asBuilt.cpuMs)} ms, RSS ${fmt(asBuilt.idleRssMb)} MB`,
      'same run, starts alternated; medians of 3',
    );
  }
  for (const lever of Object.values(F.levers?.logins ?? {}))
    add(
      'lever',
      `returning logins c=32: ${lever.name}`,
      `with: ${leverSummary(lever.after)}`,
      '',
      '',
      undefined,
      `without: ${leverSummary(lever.before)}`,
      `same run, alternated 3 times on the same database, medians; ${lever.asBuiltHasIt ? 'the service as built has it' : `not adopted; RSS with it after the window ${fmt(lever.otherRssMb)} MB`}`,
    );
  add(
    'start',
    'process start to /health 200 (initialised embedded DB, NODE_ENV=production, not pinned)',
    fmt(F.startMs.median),
    'ms',
    '<= 1500 ms',
    F.startMs.median <= 1500,
    '',
    `median of ${F.startMs.all.map((v) => v.toFixed(0)).join(', ')} ms; confined to one core with its embedded PostgreSQL ${fmt(F.levers.start[1].startMs)} ms (lever rows)`,
  );

  results.rows = rows;
  results.finishedAt = new Date().toISOString();
  results.totalSeconds = (Date.now() - began) / 1000;
  const chart = asciiChart();
  const where = placement.map((p) => `  ${String(p.pid).padStart(7)}  core ${p.core}  ${p.role}`).join('\n');
  const notes = [
    `Service: as npm run start:prod runs it (${Object.entries(SHIPPED.env)
      .map(([k, v]) => `${k}=${v} `)
      .join(
        '',
      )}node ${SHIPPED.entry.slice(ROOT.length + 1)}, the bundle from its code cache), NODE_ENV unset under load (production refuses http IdP URLs on loopback), LOG_LEVEL=warn, plain http on 127.0.0.1. Start-up is timed in production mode and not pinned (nothing else runs then; one variant is confined to core ${SERVICE_CORE}).`,
    `IdP: bench/idp.mjs, a lean purpose-built OpenID Provider (RS256, PKCE, client_secret_post), not oidc-provider, so that the relying party is what is measured.`,
    `Database: ${results.machine.database}. CPU: ${results.machine.cpu}, ${cores} cores, Node ${process.version}.`,
    `Windows of ${SECONDS} s after 0.3 s warm-up; closed-loop load (c = concurrent virtual browsers), except the half-load run (fixed arrival rate).`,
    `"own" times come from the service's Server-Timing header: app;dur (all its time on the request) minus idp;dur (its wait for the IdP's token endpoint), measured inside the service; "client" times include the network hop.`,
  ];
  const table = formatTable(rows);
  const text = `\nWhat ran where:\n${where}\n\n${table}\n\n${chart}\n\n${notes.map((n) => `- ${n}`).join('\n')}\nTotal ${results.totalSeconds.toFixed(0)} s.\n`;
  console.log(text);
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, 'latest.json'), JSON.stringify(results, null, 2) + '\n');
  writeFileSync(join(RESULTS, 'latest.md'), markdown(rows, where, chart, notes));
  log(`wrote bench/results/latest.json and latest.md (${results.totalSeconds.toFixed(0)} s in all)`);
}

function formatTable(rows) {
  const columns = ['section', 'figure', 'value', 'unit', 'target', 'met', 'baseline', 'note'];
  const headers = {
    section: 'section',
    figure: 'figure',
    value: 'value',
    unit: 'unit',
    target: 'target',
    met: 'met?',
    baseline: 'bare baseline (ratio)',
    note: 'note',
  };
  const width = Object.fromEntries(
    columns.map((c) => [c, Math.min(c === 'note' ? 200 : 60, Math.max(headers[c].length, ...rows.map((r) => String(r[c]).length)))]),
  );
  const line = (r) => columns.map((c) => String(r[c]).padEnd(width[c])).join(' | ');
  return [line(headers), columns.map((c) => '-'.repeat(width[c])).join('-+-'), ...rows.map(line)].join('\n');
}

function markdown(rows, where, chart, notes) {
  const esc = (v) => String(v).replace(/\|/g, '\\|');
  return (
    `# npm run bench: latest result\n\n${results.finishedAt}, ${results.totalSeconds.toFixed(0)} s in all.\n\n` +
    `| section | figure | value | unit | target | met? | bare baseline (ratio) | note |\n|---|---|---|---|---|---|---|---|\n` +
    rows.map((r) => `| ${[r.section, r.figure, r.value, r.unit, r.target, r.met, r.baseline, r.note].map(esc).join(' | ')} |`).join('\n') +
    `\n\n## What ran where\n\n\`\`\`\n${where}\n\`\`\`\n\n## Throughput against concurrency\n\n\`\`\`\n${chart}\n\`\`\`\n\n${notes.map((n) => `- ${n}`).join('\n')}\n`
  );
}

function asciiChart() {
  const series = [
    ['logins JIT', LOGIN_CONCURRENCY.map((c) => [c, F.logins.jit[c].perSecond])],
    ['logins returning', LOGIN_CONCURRENCY.map((c) => [c, F.logins.returning[c].perSecond])],
    ['logins bare', LOGIN_CONCURRENCY.map((c) => [c, F.logins.bare[c].perSecond])],
    ['roles service', ROLES_CONCURRENCY.map((c) => [c, F.roles.service[c].perSecond])],
    ['roles bare', ROLES_CONCURRENCY.map((c) => [c, F.roles.bare[c].perSecond])],
  ];
  const out = ['Throughput against concurrency (each bar scaled to the largest figure of its group)'];
  for (const group of [series.slice(0, 3), series.slice(3)]) {
    const max = Math.max(...group.flatMap(([, points]) => points.map(([, v]) => v)));
    for (const [name, points] of group) {
      for (const [c, v] of points)
        out.push(
          `${name.padEnd(17)} c=${String(c).padStart(2)} ${'#'.repeat(Math.max(1, Math.round((50 * v) / max))).padEnd(50)} ${fmt(v)}/s`,
        );
    }
    out.push('');
  }
  return out.join('\n').trimEnd();
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    stopAll();
    process.exit(1);
  },
);
