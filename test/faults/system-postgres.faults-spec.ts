import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { get as httpGet } from 'node:http';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { startTestApp, type TestApp } from '../support/app';
import type { TestDatabase } from '../support/database';
import { eventually } from '../support/eventually';
import { startRogueIdp, type RogueIdp } from '../support/rogue-idp';
import { createSsoOrganization, signInThroughRogue, type SsoOrganization } from '../support/sso-fixture';
import { assertConsistent } from './consistency';

/**
 * The machine's PostgreSQL 15, restarted and stopped under load with pg_ctlcluster (as root):
 * what only a real server going away shows (its shutdown messages, its refusal while starting).
 * `.ci/run` sets SYSTEM_PG_URL once the cluster runs and has a password.
 */
const SYSTEM_PG_URL = process.env.SYSTEM_PG_URL;
const STATEMENT_TIMEOUT_MS = 2000;
/** Connect or statement plus grace, and the request's own time. */
const ANSWER_BOUND_MS = 6000;
const RECOVERY_BOUND_MS = 20_000;

function missingPrerequisite(): string | undefined {
  if (!SYSTEM_PG_URL) return 'SYSTEM_PG_URL is unset (.ci/run sets it when the machine has a PostgreSQL 15 cluster "main")';
  try {
    const clusters = execFileSync('pg_lsclusters', ['--no-header'], { encoding: 'utf8' });
    if (!clusters.split('\n').some((line) => /^15\s+main\s/.test(line))) return 'there is no PostgreSQL 15 cluster "main" (pg_lsclusters)';
  } catch {
    return 'pg_lsclusters is not installed: no system PostgreSQL 15';
  }
  if (process.getuid?.() !== 0) return 'restarting the system PostgreSQL needs root';
  return undefined;
}

const missing = missingPrerequisite();
if (missing) {
  console.warn(
    `\n${'!'.repeat(100)}\n!!!! SKIPPED: the faults on the system PostgreSQL 15 (restart and stop under load): ${missing}\n${'!'.repeat(100)}\n`,
  );
}

function pgctl(action: 'restart' | 'stop' | 'start'): void {
  execFileSync('pg_ctlcluster', ['15', 'main', action], { stdio: 'ignore', timeout: 60_000 });
}

(missing ? describe.skip : describe)('the system PostgreSQL 15 restarted and stopped under load', () => {
  let database: TestDatabase;
  let service: TestApp;
  let rogue: RogueIdp;
  let org: SsoOrganization;
  let userId: string;
  const handedOut: { token: string; loggedOut: boolean }[] = [];

  const rolesUrl = () => `${service.url}/v1/organizations/${org.organizationId}/users/${userId}/roles`;
  const getRoles = () => fetch(rolesUrl(), { headers: { authorization: `Bearer ${org.rolesKey}` }, signal: AbortSignal.timeout(20_000) });
  /**
   * The status of a roles lookup on a connection of its own (no keep-alive): a reset here is the
   * service's doing, never the client reusing a connection the server was closing meanwhile.
   */
  const rolesStatus = () =>
    new Promise<number>((resolve, reject) => {
      const request = httpGet(
        rolesUrl(),
        { agent: false, headers: { authorization: `Bearer ${org.rolesKey}` }, timeout: 20_000 },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      request.on('error', reject);
    });

  /** Roles lookups and logins until `stop` is set: each status seen, and the slowest answer. */
  function startLoad() {
    const statuses = new Map<number, number>();
    let slowestMs = 0;
    let stop = false;
    const timed = async (work: () => Promise<number>) => {
      const started = Date.now();
      const status = await work();
      slowestMs = Math.max(slowestMs, Date.now() - started);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    };
    /** Logins go through fetch's keep-alive pool, where a reused connection may meet the server closing it. */
    let loginTransportFailures = 0;
    const workers = [
      (async () => {
        while (!stop) await timed(rolesStatus);
      })(),
      (async () => {
        while (!stop) {
          await timed(async () => {
            const login = await signInThroughRogue(service.url, rogue, org.connectionId, `load@${org.domain}`);
            if (login.token) handedOut.push({ token: login.token, loggedOut: false });
            return login.response.status;
          }).catch(() => loginTransportFailures++);
        }
      })(),
    ];
    return {
      async finish() {
        stop = true;
        await Promise.all(workers);
        if (loginTransportFailures) console.warn(`${loginTransportFailures} login(s) under load met a reset keep-alive connection`);
        return { statuses, slowestMs };
      },
    };
  }

  beforeAll(async () => {
    const name = `sso_faults_${randomBytes(6).toString('hex')}`;
    const admin = new Client({ connectionString: SYSTEM_PG_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(SYSTEM_PG_URL!);
    url.pathname = `/${name}`;
    database = {
      url: url.toString(),
      name,
      drop: async () => {
        const client = new Client({ connectionString: SYSTEM_PG_URL });
        await client.connect();
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await client.end();
      },
    };
    rogue = await startRogueIdp();
    service = await startTestApp({ database, env: { DATABASE_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS) } });
    org = await createSsoOrganization(service.url, rogue);
    const login = await signInThroughRogue(service.url, rogue, org.connectionId, `ann@${org.domain}`);
    handedOut.push({ token: login.token!, loggedOut: false });
    const me = await fetch(`${service.url}/auth/me`, { headers: { authorization: `Bearer ${login.token}` } });
    userId = ((await me.json()) as { user: { id: string } }).user.id;
  });

  afterAll(async () => {
    // Whatever happened, leave the cluster running as .ci/run expects it.
    try {
      pgctl('start');
    } catch {
      // already running
    }
    await service?.close();
    await rogue?.close();
    await database?.drop();
  });

  it('a restart under load: clients get answers or 503, never a 500 or an IdP error; recovery is bounded; nothing is half-written', async () => {
    const load = startLoad();
    await eventually(() => expect(handedOut.length).toBeGreaterThan(2), { timeoutMs: 20_000 });
    pgctl('restart');
    const restartedAt = Date.now();
    await eventually(async () => expect((await getRoles()).status).toBe(200), { timeoutMs: RECOVERY_BOUND_MS, intervalMs: 200 });
    const recoveryMs = Date.now() - restartedAt;
    const { statuses } = await load.finish();
    expect(recoveryMs).toBeLessThan(RECOVERY_BOUND_MS);
    expect([...statuses.keys()].filter((status) => ![200, 302, 503].includes(status))).toEqual([]);
    await assertConsistent(database.url, service.url, handedOut);
  }, 120_000);

  it('a stop under load: 503 with Retry-After in bounded time while it is down, and service again once it is back', async () => {
    const load = startLoad();
    pgctl('stop');
    const during = await Promise.all([getRoles(), fetch(`${service.url}/health`)]);
    expect(during.map((response) => response.status)).toEqual([503, 503]);
    expect(during[0].headers.get('retry-after')).toBe('5');
    // PostgreSQL stays down for a while under load: the outage's length is what is tested, not a condition to await.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    pgctl('start');
    const startedAt = Date.now();
    await eventually(async () => expect((await getRoles()).status).toBe(200), { timeoutMs: RECOVERY_BOUND_MS, intervalMs: 200 });
    const recoveryMs = Date.now() - startedAt;
    const { statuses, slowestMs } = await load.finish();
    expect(recoveryMs).toBeLessThan(RECOVERY_BOUND_MS);
    expect(slowestMs).toBeLessThan(ANSWER_BOUND_MS * 2);
    expect([...statuses.keys()].filter((status) => ![200, 302, 503].includes(status))).toEqual([]);
    expect(statuses.get(503)).toBeGreaterThan(0);
    await assertConsistent(database.url, service.url, handedOut);
  }, 120_000);
});
