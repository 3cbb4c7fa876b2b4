// The load generator: a separate process (forked by bench/run.mjs, pinned to its own core) that
// drives SSO round trips and roles API requests over keep-alive connections (undici) and answers
// each task over IPC with counts and latency samples. Server-side times come from the
// `Server-Timing: app;dur=<ms>` header the service (and the bare baseline) set.
import { Agent, request } from 'undici';
import { createLocalJWKSet, jwtVerify } from 'jose';

const agent = new Agent({ keepAliveTimeout: 60_000, keepAliveMaxTimeout: 60_000, pipelining: 1, connections: 256 });

/** An entry of the Server-Timing header: `app` (all the service's time) or `idp` (its wait for the IdP). */
function serverTiming(headers, name = 'app') {
  const value = headers['server-timing'];
  const match = typeof value === 'string' ? new RegExp(`(?:^|, )${name};dur=([\\d.]+)`).exec(value) : null;
  return match ? Number(match[1]) : undefined;
}

function setCookies(headers) {
  const raw = headers['set-cookie'];
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  return list.map((line) => line.split(';')[0]).filter((pair) => !/=$/.test(pair));
}

async function get(url, headers = {}) {
  const response = await request(url, { method: 'GET', headers, dispatcher: agent });
  const body = await response.body.text();
  return { status: response.statusCode, headers: response.headers, body };
}

function percentile(sorted, p) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function summary(samples) {
  const sorted = Float64Array.from(samples).sort();
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1] : null,
  };
}

/** Runs `iteration` on `concurrency` workers; counts those that end inside the window after warm-up. */
async function drive({ concurrency, durationMs, warmupMs = 300, ratePerSecond }, iteration) {
  const t0 = performance.now();
  const windowStart = t0 + warmupMs;
  const windowEnd = windowStart + durationMs;
  // With a rate, arrivals are spaced evenly (open loop) instead of back to back.
  let nextSlot = t0;
  const interval = ratePerSecond ? 1000 / ratePerSecond : 0;
  let total = 0;
  let done = 0;
  let errors = 0;
  let firstError;
  const latencies = [];
  const marks = {};
  const worker = async (w) => {
    for (let i = 0; performance.now() < windowEnd; i++) {
      if (interval) {
        const slot = nextSlot;
        nextSlot += interval;
        const wait = slot - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        if (performance.now() >= windowEnd) break;
      }
      const started = performance.now();
      const local = {};
      try {
        await iteration(w, i, local);
        const ended = performance.now();
        total++;
        if (ended >= windowStart && ended <= windowEnd) {
          done++;
          latencies.push(ended - started);
          for (const [name, value] of Object.entries(local)) if (value !== undefined) (marks[name] ??= []).push(value);
        }
      } catch (error) {
        errors++;
        firstError ??= String(error?.message ?? error).slice(0, 300);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  const seconds = durationMs / 1000;
  return {
    concurrency,
    seconds,
    done,
    total,
    perSecond: done / seconds,
    errors,
    firstError,
    latency: summary(latencies),
    server: Object.fromEntries(Object.entries(marks).map(([name, values]) => [name, summary(values)])),
  };
}

let tokenForVerify;

async function login(base, email, connectionId, local) {
  const initiate = await get(`${base}/sso/initiate/${connectionId}?login_hint=${encodeURIComponent(email)}`);
  if (initiate.status !== 302) throw new Error(`initiate ${initiate.status}: ${initiate.body.slice(0, 200)}`);
  local.initiate = serverTiming(initiate.headers);
  const binding = setCookies(initiate.headers).join('; ');
  const atIdp = await get(initiate.headers.location);
  if (atIdp.status !== 302) throw new Error(`IdP ${atIdp.status}: ${atIdp.body.slice(0, 200)}`);
  const callback = await get(atIdp.headers.location, { cookie: binding });
  if (callback.status !== 302) throw new Error(`callback ${callback.status}: ${callback.body.slice(0, 200)}`);
  // The service's own time on the callback: all of it but the token request to the IdP.
  local.callbackTotal = serverTiming(callback.headers);
  local.callbackIdp = serverTiming(callback.headers, 'idp');
  local.callback = local.callbackTotal - (local.callbackIdp ?? 0);
  const session = setCookies(callback.headers).find((pair) => pair.startsWith('sso_session='));
  if (!session) throw new Error('no session cookie');
  const me = await get(`${base}/auth/me`, { cookie: session });
  if (me.status !== 200) throw new Error(`/auth/me ${me.status}: ${me.body.slice(0, 200)}`);
  local.me = serverTiming(me.headers);
  tokenForVerify = session.slice('sso_session='.length);
}

const tasks = {
  /** Full SSO round trips; `jit` makes a new person every time, otherwise seeded people return. */
  async login(task) {
    const { connections, jit, users, tag } = task;
    const bases = task.bases ?? [task.base];
    const orgs = connections.length;
    let seq = 0;
    return drive(task, async (w, _i, local) => {
      const base = bases[w % bases.length];
      if (jit) {
        const n = seq++;
        const org = (n % orgs) + 1;
        return login(base, `j${tag}-${n}@o${org}.bench-sso.com`, connections[org - 1], local);
      }
      const k = 1 + Math.floor(Math.random() * users);
      const org = ((k - 1) % orgs) + 1;
      return login(base, `u${k}@o${org}.bench-sso.com`, connections[org - 1], local);
    });
  },

  /** Roles API requests over a fixed set of (organization, user) pairs. */
  async roles(task) {
    const { targets, apiKey } = task;
    const headers = { authorization: `Bearer ${apiKey}` };
    const bases = task.bases ?? [task.base];
    let next = 0;
    return drive(task, async (w, _i, local) => {
      const [org, user] = targets[next++ % targets.length];
      const response = await get(`${bases[w % bases.length]}/v1/organizations/${org}/users/${user}/roles`, headers);
      if (response.status !== 200) throw new Error(`roles ${response.status}: ${response.body.slice(0, 200)}`);
      local.app = serverTiming(response.headers);
    });
  },

  /** Each target once, one at a time: the latency of a first (cold) request. */
  async rolesOnce(task) {
    const headers = { authorization: `Bearer ${task.apiKey}` };
    const client = [];
    const server = [];
    for (const [org, user] of task.targets) {
      const started = performance.now();
      const response = await get(`${task.base}/v1/organizations/${org}/users/${user}/roles`, headers);
      client.push(performance.now() - started);
      if (response.status !== 200) throw new Error(`roles ${response.status}: ${response.body.slice(0, 200)}`);
      const timing = serverTiming(response.headers);
      if (timing !== undefined) server.push(timing);
    }
    return { latency: summary(client), server: { app: summary(server) } };
  },

  /** Session tokens verified per second by a microservice holding the JWKS (jose). */
  async verify(task) {
    const jwks = JSON.parse((await get(task.jwksUrl)).body);
    const keySet = createLocalJWKSet(jwks);
    const token = task.token ?? tokenForVerify;
    if (!token) throw new Error('no session token to verify');
    await jwtVerify(token, keySet, { issuer: task.issuer, algorithms: ['ES256'] });
    const end = performance.now() + task.durationMs;
    let done = 0;
    while (performance.now() < end) {
      for (let i = 0; i < 50; i++) await jwtVerify(token, keySet, { issuer: task.issuer, algorithms: ['ES256'] });
      done += 50;
    }
    return { perSecond: done / (task.durationMs / 1000), done };
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
