// Full logins through the service's OpenID Provider, beside the SSO-only login and the bare
// baseline, all measured in the same run:
//
//   app → /oidc/auth → /oidc/interaction/:uid → IdP → /sso/callback → /oidc/interaction/:uid/continue
//       → /oidc/auth/:uid → app callback → code exchange at /oidc/token (openid-client 6, ID token
//       signature checked against the provider's JWKS)
//
// A fresh browser each time, so every login goes to the IdP. The app is openid-client in the load
// worker. The SSO-only login is bench/load.mjs's round trip (initiate, IdP, callback, /auth/me);
// the bare baseline is bench/bare.mjs doing that round trip on node:http with no database.
//
//   called by bench/run.mjs (benchOp), on its service, IdP, bare baseline and seeded people;
//   npm run build && node bench/op.mjs     this part alone: it starts what it needs itself
//   (BENCH_SECONDS sets the windows, default 3 s; DATABASE_URL: a fresh database on that server)
import { spawn, execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { adminGraphql, cpuTicks, freePort, shippedStart, startBenchDatabase, waitForHealth, warmCodeCache } from './harness.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
/** The app's redirect URI: registered with the provider, never fetched (the worker reads the code from it). */
const APP_CALLBACK = 'http://127.0.0.1/bench-app/callback';
/** One at a time, and enough to keep the one core the service is pinned to busy (32 only adds queueing to a login of eight hops). */
const CONCURRENCY = [1, 8];
/** Longer than load.mjs's 0.3 s: a window counts the logins that end in it, and the first ones through the provider take longest. */
const WARMUP_MS = 1000;
const CLK_TCK = 100;

/** What the service needs for the bench to meet none of the provider's rate limits (every request comes from 127.0.0.1). */
export const OP_SERVICE_ENV = {
  OIDC_AUTHORIZATION_RATE_LIMIT_PER_MINUTE: '1000000000',
  OIDC_INTERACTION_RATE_LIMIT_PER_MINUTE: '1000000000',
  OIDC_TOKEN_RATE_LIMIT_PER_MINUTE: '1000000000',
  OIDC_TOKEN_RATE_LIMIT_PER_CLIENT_PER_MINUTE: '1000000000',
};

/**
 * Logins through the OpenID Provider at concurrency 1 and 8, each beside the SSO-only returning
 * login on the same service and the bare baseline, in windows of `seconds`.
 *
 * people: seeded members who sign in, `u<k>@o<org>.bench-sso.com` at `connections[org - 1]` (k in 1..users)
 * workerCore: the core the load worker is pinned to (taskset), beside the IdP and PostgreSQL
 * servicePid, barePid: whose CPU time to read from /proc, for the per-CPU-second figures
 * Returns { perConcurrency, logins (how many the service served), rows: [section, figure, value,
 * unit, target, met, baseline, note] for bench/run.mjs's table }.
 */
export async function benchOp({ serviceUrl, bareUrl, adminKey, people, seconds, workerCore, servicePid, barePid, label, log = () => {} }) {
  const application = await registerApplication(serviceUrl, adminKey);
  const worker = startWorker(workerCore);
  try {
    await call(worker, { type: 'setup', base: serviceUrl, ...application });
    const window = async (type, base, concurrency, pid) => {
      const started = performance.now();
      const ticks = cpuTicks(pid);
      const result = await call(worker, { type, base, people, concurrency, durationMs: seconds * 1000, warmupMs: WARMUP_MS });
      result.cpu = pid ? Math.round((100 * (cpuTicks(pid) - ticks)) / CLK_TCK / ((performance.now() - started) / 1000)) : null;
      if (!result.done) throw new Error(`${type} logins at c=${concurrency} all failed: ${result.firstError}`);
      return result;
    };
    const perConcurrency = {};
    let logins = 0;
    for (const concurrency of CONCURRENCY) {
      const op = await window('op', serviceUrl, concurrency, servicePid);
      const sso = await window('sso', serviceUrl, concurrency, servicePid);
      const bare = await window('sso', bareUrl, concurrency, barePid);
      logins += op.total + op.errors + sso.total + sso.errors;
      perConcurrency[concurrency] = { op, sso, bare };
      log(
        `logins through the OP c=${String(concurrency).padStart(2)}: ${op.perSecond.toFixed(0)}/s (SSO-only ${sso.perSecond.toFixed(0)}/s, bare ${bare.perSecond.toFixed(0)}/s), client p50 ${op.latency.p50?.toFixed(1)} ms, code exchange p50 ${op.marks.exchange?.p50?.toFixed(1)} ms, service cpu ${op.cpu}%${op.errors ? `, ${op.errors} errors: ${op.firstError}` : ''}`,
      );
    }
    return { perConcurrency, logins, rows: rowsOf(perConcurrency, label ?? 'logins through the OpenID Provider') };
  } finally {
    worker.kill('SIGTERM');
  }
}

async function registerApplication(serviceUrl, adminKey) {
  const { createApplication } = await adminGraphql(
    serviceUrl,
    adminKey,
    'mutation ($input: CreateApplicationInput!) { createApplication(input: $input) { clientSecret application { clientId } } }',
    { input: { name: `Bench app ${randomBytes(4).toString('hex')}`, redirectUris: [APP_CALLBACK] } },
  );
  return { clientId: createApplication.application.clientId, clientSecret: createApplication.clientSecret };
}

// ---------------------------------------------------------------- the report's rows
function fmt(value, digits = 0) {
  if (value === null || value === undefined || Number.isNaN(value)) return 'n/a';
  return Number(value).toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}
const perCpuSecond = (r) => (r.cpu ? r.perSecond / (r.cpu / 100) : null);
const p50p99 = (s) => `${fmt(s?.p50, 1)} / ${fmt(s?.p99, 1)}`;

function rowsOf(perConcurrency, section) {
  const rows = [];
  for (const [c, { op, sso, bare }] of Object.entries(perConcurrency)) {
    rows.push([
      section,
      `app → OP → IdP → OP → app round trips/s (code exchange included), c=${c}`,
      fmt(op.perSecond),
      '/s',
      '',
      undefined,
      `${fmt(bare.perSecond)} (x${(op.perSecond / bare.perSecond).toFixed(2)})`,
      `SSO-only returning login in this run ${fmt(sso.perSecond)}/s (OP x${(op.perSecond / sso.perSecond).toFixed(2)}); ${fmt(perCpuSecond(op))} per service CPU-second (SSO-only ${fmt(perCpuSecond(sso))}, bare ${fmt(perCpuSecond(bare))}); service cpu ${op.cpu}%${op.errors ? `; ${op.errors} errors: ${op.firstError}` : ''}`,
    ]);
    rows.push([
      section,
      `c=${c}: round trip p50/p99 (client)`,
      p50p99(op.latency),
      'ms',
      '',
      undefined,
      p50p99(bare.latency),
      `SSO-only ${p50p99(sso.latency)} ms; the OP login's code exchange ${p50p99(op.marks.exchange)} ms; the service's own time on its five browser hops ${p50p99(op.marks.own)} ms (SSO-only, three hops: ${p50p99(sso.marks.own)} ms; IdP waits excluded)`,
    ]);
  }
  return rows;
}

// ---------------------------------------------------------------- processes
const hasTaskset = (() => {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

function pinned(core, args) {
  return hasTaskset && core !== undefined ? ['taskset', ['-c', String(core), process.execPath, ...args]] : [process.execPath, args];
}

function startWorker(core) {
  const [command, args] = pinned(core, [fileURLToPath(import.meta.url), '--worker']);
  const worker = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  worker.calls = 0;
  return worker;
}

function call(worker, task) {
  const id = ++worker.calls;
  return new Promise((resolve, reject) => {
    const onMessage = (message) => {
      if (message.id !== id) return;
      worker.off('message', onMessage);
      worker.off('exit', onExit);
      if (message.error) reject(new Error(message.error));
      else resolve(message.result);
    };
    const onExit = (code) => reject(new Error(`the OP bench worker exited with ${code}`));
    worker.on('message', onMessage);
    worker.once('exit', onExit);
    worker.send({ id, task });
  });
}

// ---------------------------------------------------------------- the load worker (node bench/op.mjs --worker)
async function runWorker() {
  const { Agent, request, fetch: undiciFetch } = await import('undici');
  const oidc = await import('openid-client');
  const agent = new Agent({ keepAliveTimeout: 60_000, keepAliveMaxTimeout: 60_000, pipelining: 1, connections: 256 });
  let config;

  const get = async (url, headers = {}) => {
    const response = await request(url, { method: 'GET', headers, dispatcher: agent });
    const body = await response.body.text();
    return { status: response.statusCode, headers: response.headers, body };
  };
  /** The service's time on a request (Server-Timing app;dur) without its wait for the IdP (idp;dur). */
  const ownTime = (headers) => {
    const value = String(headers['server-timing'] ?? '');
    const of = (name) => Number(new RegExp(`(?:^|, )${name};dur=([\\d.]+)`).exec(value)?.[1] ?? 0);
    return of('app') - of('idp');
  };
  /** A browser's cookies for one login; paths are not told apart (extra cookies change nothing here). */
  const keep = (jar, headers) => {
    const raw = headers['set-cookie'];
    for (const line of raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]) {
      const pair = line.split(';')[0];
      const at = pair.indexOf('=');
      if (at > 0 && pair.slice(at + 1)) jar.set(pair.slice(0, at), pair.slice(at + 1));
      else if (at > 0) jar.delete(pair.slice(0, at));
    }
  };
  const cookieHeader = (jar) => ({ cookie: [...jar].map(([name, value]) => `${name}=${value}`).join('; ') });

  const personOf = ({ connections, users }) => {
    const k = 1 + Math.floor(Math.random() * users);
    const org = ((k - 1) % connections.length) + 1;
    return { email: `u${k}@o${org}.bench-sso.com`, connectionId: connections[org - 1] };
  };

  /** The SSO-only round trip, as bench/load.mjs makes it. */
  async function ssoLogin(base, { email, connectionId }, local) {
    const jar = new Map();
    const initiate = await get(`${base}/sso/initiate/${connectionId}?login_hint=${encodeURIComponent(email)}`);
    if (initiate.status !== 302) throw new Error(`initiate ${initiate.status}: ${initiate.body.slice(0, 200)}`);
    keep(jar, initiate.headers);
    const atIdp = await get(initiate.headers.location);
    if (atIdp.status !== 302) throw new Error(`IdP ${atIdp.status}: ${atIdp.body.slice(0, 200)}`);
    const callback = await get(atIdp.headers.location, cookieHeader(jar));
    if (callback.status !== 302) throw new Error(`callback ${callback.status}: ${callback.body.slice(0, 200)}`);
    keep(jar, callback.headers);
    const me = await get(`${base}/auth/me`, cookieHeader(jar));
    if (me.status !== 200) throw new Error(`/auth/me ${me.status}: ${me.body.slice(0, 200)}`);
    local.own = ownTime(initiate.headers) + ownTime(callback.headers) + ownTime(me.headers);
  }

  /** The app's login through the provider: every browser hop, then the code exchange. */
  async function opLogin(base, { email }, local) {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    let url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: APP_CALLBACK,
      scope: 'openid email profile',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      login_hint: email,
    }).href;
    const origin = new URL(base).origin;
    const jar = new Map();
    let own = 0;
    for (let hop = 0; !url.startsWith(APP_CALLBACK); hop++) {
      if (hop === 10) throw new Error(`no way back to the app after ${hop} hops, at ${url}`);
      const ours = new URL(url).origin === origin;
      const response = await get(url, ours ? cookieHeader(jar) : {});
      if (response.status < 300 || response.status >= 400 || !response.headers.location) {
        throw new Error(`${new URL(url).pathname} ${response.status}: ${response.body.slice(0, 200)}`);
      }
      if (ours) {
        keep(jar, response.headers);
        own += ownTime(response.headers);
      }
      url = new URL(response.headers.location, url).href;
    }
    const exchangeStarted = performance.now();
    const tokens = await oidc.authorizationCodeGrant(config, new URL(url), {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
      idTokenExpected: true,
    });
    local.exchange = performance.now() - exchangeStarted;
    local.own = own;
    if (tokens.claims()?.email !== email) throw new Error(`signed in as ${tokens.claims()?.email}, not ${email}`);
  }

  const tasks = {
    async setup({ base, clientId, clientSecret }) {
      config = await oidc.discovery(new URL(`${base}/oidc`), clientId, clientSecret, oidc.ClientSecretPost(clientSecret), {
        execute: [oidc.allowInsecureRequests, oidc.enableNonRepudiationChecks],
      });
      config[oidc.customFetch] = (url, options) => undiciFetch(url, { ...options, dispatcher: agent });
      return {};
    },
    op: (task) => drive(task, (local) => opLogin(task.base, personOf(task.people), local)),
    sso: (task) => drive(task, (local) => ssoLogin(task.base, personOf(task.people), local)),
    /** Each person once, so that the measured logins are returning ones (used when this file runs alone). */
    async provision({ base, people, concurrency }) {
      let next = 1;
      const one = async () => {
        for (let k = next++; k <= people.users; k = next++) {
          const org = ((k - 1) % people.connections.length) + 1;
          await ssoLogin(base, { email: `u${k}@o${org}.bench-sso.com`, connectionId: people.connections[org - 1] }, {});
        }
      };
      await Promise.all(Array.from({ length: concurrency }, one));
      return {};
    },
  };

  process.on('message', async ({ id, task }) => {
    try {
      process.send({ id, result: await tasks[task.type](task) });
    } catch (error) {
      process.send({ id, error: String(error?.stack ?? error) });
    }
  });
  process.on('disconnect', () => process.exit(0));
}

/** `concurrency` workers log in back to back; counted: the logins that end inside the window after the warm-up. */
async function drive({ concurrency, durationMs, warmupMs }, login) {
  const windowStart = performance.now() + warmupMs;
  const windowEnd = windowStart + durationMs;
  let total = 0;
  let done = 0;
  let errors = 0;
  let firstError;
  const latencies = [];
  const marks = {};
  const worker = async () => {
    while (performance.now() < windowEnd) {
      const started = performance.now();
      const local = {};
      try {
        await login(local);
        const ended = performance.now();
        total++;
        if (ended >= windowStart && ended <= windowEnd) {
          done++;
          latencies.push(ended - started);
          for (const [name, value] of Object.entries(local)) (marks[name] ??= []).push(value);
        }
      } catch (error) {
        errors++;
        firstError ??= String(error?.message ?? error).slice(0, 300);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return {
    concurrency,
    done,
    total,
    errors,
    firstError,
    perSecond: done / (durationMs / 1000),
    latency: summary(latencies),
    marks: Object.fromEntries(Object.entries(marks).map(([name, values]) => [name, summary(values)])),
  };
}

function summary(samples) {
  const sorted = Float64Array.from(samples).sort();
  const at = (p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : null);
  return { n: sorted.length, p50: at(50), p99: at(99) };
}

// ---------------------------------------------------------------- alone: node bench/op.mjs
/**
 * What bench/run.mjs would hand over, on a small scale: a PostgreSQL, the lean IdP, the service
 * (dist/, so build first), the bare baseline, one organization whose people have signed in once.
 */
async function runAlone() {
  const seconds = Number(process.env.BENCH_SECONDS ?? 3);
  // As bench/run.mjs places them: the service alone on core 0, everything else on core 1.
  const other = availableParallelism() > 1 ? 1 : 0;
  const log = (message) => process.stderr.write(`[bench op] ${message}\n`);
  const dir = mkdtempSync(join(tmpdir(), 'sso-bench-op-'));
  chmodSync(dir, 0o755);
  const children = [];
  const start = (args, env = {}, core) => {
    const [command, commandArgs] = pinned(core, args);
    const child = spawn(command, commandArgs, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, ...env } });
    children.push(child);
    return child;
  };
  const firstMessage = (child) =>
    new Promise((resolve, reject) => {
      child.once('message', resolve);
      child.once('exit', (code) => reject(new Error(`${child.spawnargs.join(' ')} exited with ${code}`)));
    });
  let database;
  try {
    database = await startBenchDatabase(dir);
    const idp = start([join(HERE, 'idp.mjs')], {}, other);
    const { issuer, clientSecret } = await firstMessage(idp);
    const adminKey = `bench-admin-${randomBytes(16).toString('hex')}`;
    const port = await freePort();
    const serviceUrl = `http://127.0.0.1:${port}`;
    const shipped = shippedStart();
    const serviceEnv = {
      ...shipped.env,
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: String(port),
      PUBLIC_URL: serviceUrl,
      LOG_LEVEL: 'warn',
      SECRETS_KEY: randomBytes(32).toString('base64'),
      BOOTSTRAP_ADMIN_API_KEY: adminKey,
      DATABASE_URL: database.url,
      DATA_DIR: join(dir, 'data'),
      SSO_RATE_LIMIT_PER_MINUTE: '1000000000',
      ...OP_SERVICE_ENV,
    };
    await warmCodeCache(serviceEnv);
    const service = spawn(...pinned(0, [shipped.entry]), { stdio: ['ignore', 'inherit', 'inherit'], env: serviceEnv });
    children.push(service);
    await waitForHealth(serviceUrl, service);
    const graphql = (query, variables) => adminGraphql(serviceUrl, adminKey, query, variables);
    const { createOrganization: org } = await graphql('mutation { createOrganization(input: { name: "Bench o1", slug: "o1" }) { id } }');
    const { addDomain } = await graphql('mutation ($o: ID!) { addDomain(organizationId: $o, domain: "o1.bench-sso.com") { id } }', {
      o: org.id,
    });
    await graphql('mutation ($id: ID!) { markDomainVerified(id: $id) { status } }', { id: addDomain.id });
    const { createConnection } = await graphql('mutation ($input: CreateConnectionInput!) { createConnection(input: $input) { id } }', {
      input: {
        organizationId: org.id,
        type: 'GENERIC_OIDC',
        name: 'Bench IdP',
        clientId: 'bench-client',
        clientSecret,
        discoveryUrl: `${issuer}/.well-known/openid-configuration`,
      },
    });
    const bare = start(
      [join(HERE, 'bare.mjs')],
      {
        BENCH_ISSUER: issuer,
        BENCH_CLIENT_ID: 'bench-client',
        BENCH_CLIENT_SECRET: clientSecret,
      },
      0,
    );
    const { url: bareUrl } = await firstMessage(bare);
    const people = { connections: [createConnection.id], users: 300 };
    const provisioner = startWorker(other);
    try {
      await call(provisioner, { type: 'provision', base: serviceUrl, people, concurrency: 8 });
    } finally {
      provisioner.kill('SIGTERM');
    }
    log(`${people.users} people signed in once; measuring ${seconds} s windows`);
    const result = await benchOp({
      serviceUrl,
      bareUrl,
      adminKey,
      people,
      seconds,
      workerCore: other,
      servicePid: service.pid,
      barePid: bare.pid,
      label: 'logins through the OpenID Provider (1 org)',
      log,
    });
    const columns = ['section', 'figure', 'value', 'unit', 'target', 'met?', 'bare baseline (ratio)', 'note'];
    console.log(
      [columns, ...result.rows.map((row) => row.map((cell) => (cell === undefined ? '' : String(cell))))]
        .map((row) => `| ${row.join(' | ')} |`)
        .join('\n'),
    );
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 500));
    await database?.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--worker')) await runWorker();
  else
    await runAlone().then(
      () => process.exit(0),
      (error) => {
        console.error(error);
        process.exit(1);
      },
    );
}
