import { afterAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createTestDatabase, queryDatabase } from '../support/database';
import { eventually } from '../support/eventually';
import { graphqlOk } from '../support/graphql';
import { startRogueIdp } from '../support/rogue-idp';
import { createSsoOrganization, signInThroughRogue } from '../support/sso-fixture';
import {
  killLeftoverServices,
  postgresProcessesFor,
  SHIPPED_START,
  startService,
  waitForHealth,
  type RunningService,
} from '../support/service-process';
import { MIGRATIONS } from '../../src/migrations';
import { assertConsistent } from './consistency';
import { PLATFORM_KEY } from '../support/app';

const SECRETS_KEY = Buffer.alloc(32, 9).toString('base64');

function dataFolder(prefix: string): string {
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dataDir, 0o755);
  return dataDir;
}

/** Every line the service wrote to stdout, parsed: each must be JSON. */
function jsonLines(service: RunningService): Record<string, unknown>[] {
  return service
    .stdout()
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`a line on stdout is not JSON: ${line}`);
      }
    });
}

/**
 * A Python able to make itself a child subreaper (prctl PR_SET_CHILD_SUBREAPER), as tini -s does.
 * It never reaps: what it adopts stays a zombie once it exits, the hardest case for "is it gone?".
 */
function subreaperCommand(): string[] | undefined {
  try {
    execFileSync('python3', ['-c', 'import ctypes; assert ctypes.CDLL(None).prctl(36, 1, 0, 0, 0) == 0'], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  return [
    'python3',
    '-c',
    'import ctypes, signal, subprocess, sys; ctypes.CDLL(None).prctl(36, 1, 0, 0, 0); subprocess.Popen(sys.argv[1:]); signal.pause()',
  ];
}

/** The pid of the process running `program` among `parent`'s children. */
function childRunning(parent: number, program: string): number | undefined {
  const listing = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(parent)], { encoding: 'utf8' });
  const line = listing.split('\n').find((each) => each.includes(program));
  return line ? Number(line.trim().split(/\s+/)[0]) : undefined;
}

afterAll(() => killLeftoverServices());

describe('the service killed and started again (embedded PostgreSQL)', () => {
  it('redoes a first initialisation that was killed during initdb', async () => {
    const dataDir = dataFolder('sso-faults-initdb-');
    try {
      // Its own process group, so that initdb dies with it as in a container's SIGKILL.
      const first = await startService({ DATA_DIR: dataDir }, { spawnOptions: { detached: true } });
      await eventually(() => expect(existsSync(join(dataDir, 'postgres', 'PG_VERSION'))).toBe(true), { timeoutMs: 30_000, intervalMs: 10 });
      process.kill(-first.child.pid!, 'SIGKILL');
      await first.exited;
      expect(existsSync(join(dataDir, 'postgres.initialised'))).toBe(false);

      const second = await startService({ DATA_DIR: dataDir });
      await waitForHealth(second, 60_000);
      expect(second.output()).toContain('is an unfinished initialisation');
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
      expect(postgresProcessesFor(dataDir)).toEqual([]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);

  const subreaper = subreaperCommand();
  if (!subreaper) {
    console.warn(
      '\n!!!! SKIPPED: no python3 that can call prctl(PR_SET_CHILD_SUBREAPER): the orphan-under-a-subreaper fault is not tested !!!!\n',
    );
  }
  (subreaper ? it : it.skip)(
    'stops a postgres orphaned under a subreaper supervisor (tini -s, systemd --user) and starts',
    async () => {
      const dataDir = dataFolder('sso-faults-subreaper-');
      try {
        const supervised = await startService({ DATA_DIR: dataDir }, { command: subreaper });
        await waitForHealth(supervised, 60_000);
        const servicePid = childRunning(supervised.child.pid!, basename(SHIPPED_START.script))!;
        expect(servicePid).toBeGreaterThan(0);
        process.kill(servicePid, 'SIGKILL');
        // The postgres lives on, adopted by the supervisor, which is alive.
        await eventually(() => expect(childRunning(supervised.child.pid!, 'bin/postgres')).toBeGreaterThan(0), { timeoutMs: 10_000 });

        const restarted = await startService({ DATA_DIR: dataDir });
        await waitForHealth(restarted, 60_000);
        expect(restarted.output()).toContain('orphaned embedded PostgreSQL');
        expect(restarted.output()).not.toMatch(/\n\s+at /);
        restarted.child.kill('SIGTERM');
        expect(await restarted.exited).toBe(0);
        expect(postgresProcessesFor(dataDir)).toEqual([]);
        supervised.child.kill('SIGKILL');
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
    120_000,
  );

  it('refuses to start beside a running instance on the same folder with one line naming it', async () => {
    const dataDir = dataFolder('sso-faults-twice-');
    try {
      const running = await startService({ DATA_DIR: dataDir });
      await waitForHealth(running, 60_000);
      const second = await startService({ DATA_DIR: dataDir });
      expect(await second.exited).toBe(1);
      const lines = second.output().trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0])).toMatchObject({
        level: 60,
        msg: expect.stringContaining(`${join(dataDir, 'postgres')} is in use by another running instance`),
      });
      // The running one is untouched.
      expect((await fetch(`${running.url}/health`)).status).toBe(200);
      running.child.kill('SIGTERM');
      expect(await running.exited).toBe(0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('instances on an external PostgreSQL', () => {
  it('two instances starting together on an empty database migrate once, both start, and write only JSON', async () => {
    const database = await createTestDatabase();
    const dataDir = dataFolder('sso-faults-race-');
    try {
      const env = { DATABASE_URL: database.url, SECRETS_KEY, DATA_DIR: dataDir };
      const instances = await Promise.all([startService(env), startService(env)]);
      await Promise.all(instances.map((instance) => waitForHealth(instance, 60_000)));
      for (const instance of instances) {
        instance.child.kill('SIGTERM');
        expect(await instance.exited).toBe(0);
        const records = jsonLines(instance);
        expect(records.filter((record) => /Unable to connect/.test(String(record.msg)))).toEqual([]);
        expect(records.filter((record) => Number(record.level) >= 50)).toEqual([]);
      }
      const applied = await queryDatabase<{ name: string }>(database.url, 'SELECT name FROM schema_migrations ORDER BY id');
      expect(applied.map((migration) => migration.name)).toEqual(MIGRATIONS.map((migration) => migration.name));
    } finally {
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);

  it('SIGKILLed under load and started again: every session handed out resolves, nothing half-written', async () => {
    const database = await createTestDatabase();
    const dataDir = dataFolder('sso-faults-kill-');
    const rogue = await startRogueIdp();
    try {
      const env = { DATABASE_URL: database.url, SECRETS_KEY, DATA_DIR: dataDir, BOOTSTRAP_ADMIN_API_KEY: PLATFORM_KEY };
      const first = await startService(env);
      await waitForHealth(first, 60_000);
      const org = await createSsoOrganization(first.url, rogue);
      const handedOut: { token: string; loggedOut: boolean }[] = [];
      const outcomes = new Map<string, number>();
      let stop = false;
      const load = Array.from({ length: 3 }, (_, worker) =>
        (async () => {
          for (let n = 0; !stop; n++) {
            try {
              const login = await signInThroughRogue(first.url, rogue, org.connectionId, `user${worker}-${n}@${org.domain}`);
              outcomes.set(String(login.response.status), (outcomes.get(String(login.response.status)) ?? 0) + 1);
              if (login.token) handedOut.push({ token: login.token, loggedOut: false });
            } catch {
              outcomes.set('connection failed', (outcomes.get('connection failed') ?? 0) + 1);
            }
          }
        })(),
      );
      await eventually(() => expect(handedOut.length).toBeGreaterThanOrEqual(5), { timeoutMs: 30_000 });
      first.child.kill('SIGKILL');
      await first.exited;
      stop = true;
      await Promise.all(load);
      // What clients got: logins or a dropped connection, never a 4xx/5xx that blames anyone.
      expect([...outcomes.keys()].filter((outcome) => !['302', 'connection failed'].includes(outcome))).toEqual([]);

      const restartedAt = Date.now();
      // The same address (and so the same PUBLIC_URL, the issuer of the sessions handed out).
      const second = await startService({ ...env, PORT: String(first.port) });
      await waitForHealth(second, 60_000);
      // Generous: the machine is shared; an idle one starts in about 3 s.
      expect(Date.now() - restartedAt).toBeLessThan(45_000);
      await assertConsistent(database.url, second.url, handedOut);
      const { organizations } = await graphqlOk(second.url, PLATFORM_KEY, '{ organizations { id } }');
      expect(organizations).toEqual([{ id: org.organizationId }]);
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    } finally {
      await rogue.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
