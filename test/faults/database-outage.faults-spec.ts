import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PLATFORM_KEY, startTestApp, type TestApp } from '../support/app';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { graphql, graphqlOk } from '../support/graphql';
import { startRogueIdp, type RogueIdp } from '../support/rogue-idp';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { eventually, StopWaiting } from '../support/eventually';
import { createSsoOrganization, signInThroughRogue, type SsoOrganization } from '../support/sso-fixture';
import { TestBrowser } from '../support/browser';
import { assertConsistent } from './consistency';

/** The statement timeout the service behind the proxy runs with: every bound below derives from it. */
const STATEMENT_TIMEOUT_MS = 1000;
/** Connect (1 s) or statement plus the client's grace (2 s), and the request's own time. */
const ANSWER_BOUND_MS = 4000;
/** The bound for noticing a silent LISTEN connection. */
const DETECTION_BOUND_MS = 5000;

interface LogRecord {
  level: number;
  msg: string;
  req?: { id: string; url: string };
  res?: { statusCode: number };
  cause?: string;
  err?: { stack?: string };
  trace?: string;
}

/**
 * One service reaches PostgreSQL through a TCP proxy that the tests freeze, reset and close;
 * a second instance reaches it directly (an instance on the healthy side, making changes).
 */
describe('the service cut off from PostgreSQL', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let direct: TestApp;
  let through: TestApp;
  let rogue: RogueIdp;
  let org: SsoOrganization;
  let userId: string;
  const logLines: string[] = [];
  /** Every session a successful login handed out, and whether it was logged out since. */
  const handedOut: { token: string; loggedOut: boolean }[] = [];

  const logRecords = (): LogRecord[] => logLines.map((line) => JSON.parse(line) as LogRecord);
  const linesOfRequest = (requestId: string) => logRecords().filter((record) => JSON.stringify(record).includes(requestId));
  const rolesUrl = () => `${through.url}/v1/organizations/${org.organizationId}/users/${userId}/roles`;
  const getRoles = () => fetch(rolesUrl(), { headers: { authorization: `Bearer ${org.rolesKey}` }, signal: AbortSignal.timeout(15_000) });
  const timed = async <T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> => {
    const started = Date.now();
    const value = await work();
    return { value, ms: Date.now() - started };
  };

  async function expectUnavailable(response: Response, ms: number): Promise<Record<string, unknown>> {
    expect({ status: response.status, retryAfter: response.headers.get('retry-after') }).toEqual({ status: 503, retryAfter: '5' });
    expect(ms).toBeLessThan(ANSWER_BOUND_MS);
    return (await response.json()) as Record<string, unknown>;
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    const target = new URL(database.url);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
    rogue = await startRogueIdp();
    direct = await startTestApp({ database });
    through = await startTestApp({
      database: { ...database, url: proxy.urlThrough(database.url) },
      logLines,
      env: { DATABASE_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS), LOG_LEVEL: 'info' },
    });
    org = await createSsoOrganization(direct.url, rogue);
    const login = await signInThroughRogue(through.url, rogue, org.connectionId, `ann@${org.domain}`);
    expect(login.response.status).toBe(302);
    handedOut.push({ token: login.token!, loggedOut: false });
    const me = await fetch(`${through.url}/auth/me`, { headers: { authorization: `Bearer ${login.token}` } });
    userId = ((await me.json()) as { user: { id: string } }).user.id;
  });

  afterAll(async () => {
    proxy.resume();
    proxy.refuse(false);
    await through?.close();
    await direct?.close();
    await proxy?.close();
    await rogue?.close();
    await database?.drop();
  });

  it('notices a silent partition within 5 s: no stale roles, 503 in bounded time, the new roles once it heals', async () => {
    expect(((await (await getRoles()).json()) as { roles: string[] }).roles).toEqual(['editor']);
    expect((await getRoles()).status).toBe(200);
    proxy.freeze();
    const frozenAt = Date.now();
    // An instance on the healthy side changes the roles: the cut-off one must stop answering the old ones.
    await graphqlOk(direct.url, PLATFORM_KEY, 'mutation($input: SetMemberRolesInput!) { setMemberRoles(input: $input) { roles } }', {
      input: { organizationId: org.organizationId, userId, roles: ['viewer'] },
    });
    const firstRefusal = await eventually(
      async () => {
        const sentAt = Date.now();
        const { value: response, ms } = await timed(getRoles);
        if (response.status !== 200) return { response, sentAt, ms };
        // Only the cached answer, and only before the bound: anything else fails at once.
        const answered = { roles: ((await response.json()) as { roles: string[] }).roles, inTime: sentAt - frozenAt < DETECTION_BOUND_MS };
        if (JSON.stringify(answered) !== JSON.stringify({ roles: ['editor'], inTime: true })) {
          throw new StopWaiting(`answered ${JSON.stringify(answered.roles)} ${sentAt - frozenAt} ms after the partition`);
        }
        throw new Error('still answering from the cache');
      },
      { timeoutMs: DETECTION_BOUND_MS + ANSWER_BOUND_MS, intervalMs: 100 },
    );
    expect(firstRefusal.sentAt - frozenAt).toBeLessThan(DETECTION_BOUND_MS);
    const body = await expectUnavailable(firstRefusal.response, firstRefusal.ms);
    expect(body).toMatchObject({ error: 'service_unavailable', message: expect.stringMatching(/briefly unavailable/) });
    // One log line for the failed request, naming the timeout.
    const lines = linesOfRequest(firstRefusal.response.headers.get('x-request-id')!);
    expect(lines).toHaveLength(1);
    expect(lines[0].cause).toMatch(/^database unavailable: .*timed out after \d+ ms/);

    const graphqlDuringPartition = await timed(() => graphql(through.url, PLATFORM_KEY, '{ organizations { id } }'));
    expect(graphqlDuringPartition.value.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
    expect(graphqlDuringPartition.ms).toBeLessThan(ANSWER_BOUND_MS);

    proxy.resume();
    const healed = await eventually(
      async () => {
        const response = await getRoles();
        expect(response.status).toBe(200);
        return (await response.json()) as { roles: string[] };
      },
      { timeoutMs: 15_000, intervalMs: 200 },
    );
    expect(healed.roles).toEqual(['viewer']);
  }, 60_000);

  it('answers every route 503 "briefly unavailable" while PostgreSQL is gone, never blames the IdP, and logout says it did not end the session', async () => {
    // A login begun before the outage comes back during it.
    const browser = new TestBrowser();
    rogue.behaviour.claims = { sub: `ben@${org.domain}`, email: `ben@${org.domain}`, email_verified: true };
    const initiate = await browser.get(`${through.url}/sso/initiate/${org.connectionId}`);
    expect(initiate.status).toBe(302);
    const callbackUrl = await rogue.signIn(initiate.headers.get('location')!);
    const signedIn = await signInThroughRogue(through.url, rogue, org.connectionId, `cat@${org.domain}`);
    expect(signedIn.response.status).toBe(302);
    handedOut.push({ token: signedIn.token!, loggedOut: false });

    proxy.refuse(true);
    proxy.dropAll();

    const callback = await timed(() => browser.get(callbackUrl, { accept: 'text/html' }));
    expect(callback.value.status).toBe(503);
    expect(callback.value.headers.get('retry-after')).toBe('5');
    expect(callback.value.headers.getSetCookie().some((cookie) => cookie.startsWith('sso_session='))).toBe(false);
    const page = await callback.value.text();
    expect(page).toContain('The service is briefly unavailable');
    expect(page).not.toMatch(/identity provider/i);
    const callbackLines = linesOfRequest(callback.value.headers.get('x-request-id')!);
    expect(callbackLines).toHaveLength(1);
    expect(JSON.stringify(callbackLines[0])).not.toMatch(/\n\s+at /);

    const initiateDuring = await timed(() =>
      fetch(`${through.url}/sso/initiate/${org.connectionId}`, { redirect: 'manual', headers: { accept: 'application/json' } }),
    );
    expect(await expectUnavailable(initiateDuring.value, initiateDuring.ms)).toMatchObject({ error: 'service_unavailable' });
    const me = await timed(() => fetch(`${through.url}/auth/me`, { headers: { authorization: `Bearer ${signedIn.token}` } }));
    await expectUnavailable(me.value, me.ms);
    const magicLink = await timed(() =>
      fetch(`${through.url}/auth/magic-link`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: `cat@${org.domain}` }),
      }),
    );
    await expectUnavailable(magicLink.value, magicLink.ms);
    const roles = await timed(getRoles);
    await expectUnavailable(roles.value, roles.ms);
    const admin = await graphql(through.url, PLATFORM_KEY, '{ organizations { id } }');
    expect(admin.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
    expect((await fetch(`${through.url}/health`)).status).toBe(503);

    const logout = await timed(() => signedIn.browser.post(`${through.url}/auth/logout`));
    expect((await expectUnavailable(logout.value, logout.ms)).message).toMatch(/session could not be ended/);
    expect(logout.value.headers.getSetCookie().some((cookie) => /^sso_session=;/.test(cookie))).toBe(true);
    // Not ended: the token still works once the database is back, so the person signs out again.
    proxy.refuse(false);
    await eventually(async () => expect((await fetch(`${through.url}/health`)).status).toBe(200), { timeoutMs: 15_000, intervalMs: 200 });
    const stillLive = await eventually(
      async () => {
        const response = await fetch(`${through.url}/auth/me`, { headers: { authorization: `Bearer ${signedIn.token}` } });
        expect(response.status).toBe(200);
        return response;
      },
      { timeoutMs: 10_000, intervalMs: 200 },
    );
    expect(stillLive.status).toBe(200);
    const retried = await fetch(`${through.url}/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${signedIn.token}` } });
    expect(retried.status).toBe(204);
    handedOut[handedOut.length - 1].loggedOut = true;
    expect((await fetch(`${through.url}/auth/me`, { headers: { authorization: `Bearer ${signedIn.token}` } })).status).toBe(401);
  }, 60_000);

  it('counts the requests it answered "briefly unavailable" in /metrics, apart for HTTP and GraphQL', async () => {
    const counted = (text: string, surface: string) =>
      Number(new RegExp(`^database_unavailable_responses_total\\{surface="${surface}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    const before = await (await fetch(`${through.url}/metrics`)).text();
    proxy.refuse(true);
    proxy.dropAll();
    const magicLink = await fetch(`${through.url}/auth/magic-link`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `cat@${org.domain}` }),
    });
    expect(magicLink.status).toBe(503);
    expect((await graphql(through.url, PLATFORM_KEY, '{ organizations { id } }')).errors?.[0]?.extensions?.code).toBe(
      'SERVICE_UNAVAILABLE',
    );
    proxy.refuse(false);
    const after = await (await fetch(`${through.url}/metrics`)).text();
    // The earlier tests answered 503 too: the counters only ever grow, one per refused request here.
    expect(counted(before, 'http')).toBeGreaterThan(0);
    expect(counted(after, 'http')).toBe(counted(before, 'http') + 1);
    expect(counted(after, 'graphql')).toBe(counted(before, 'graphql') + 1);
    await eventually(async () => expect((await getRoles()).status).toBe(200), { timeoutMs: 10_000, intervalMs: 100 });
  }, 30_000);

  it('keeps answering 2xx/3xx or 503 under load while connections are reset again and again, and recovers', async () => {
    const statuses = new Map<number, number>();
    let stop = false;
    const count = (status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1);
    const rolesLoad = (async () => {
      while (!stop) count((await getRoles()).status);
    })();
    const loginLoad = (async () => {
      let n = 0;
      while (!stop) {
        const login = await signInThroughRogue(through.url, rogue, org.connectionId, `ann@${org.domain}`);
        count(login.response.status);
        if (login.response.status === 302) handedOut.push({ token: login.token!, loggedOut: false });
        n++;
      }
      return n;
    })();
    for (let reset = 0; reset < 3; reset++) {
      // Time under load between resets, so requests are in flight on the connections each reset cuts.
      await new Promise((resolve) => setTimeout(resolve, 700));
      proxy.dropAll();
    }
    proxy.refuse(true);
    proxy.dropAll();
    // An outage that lasts, under load: its length is what is tested, not a condition to await.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    proxy.refuse(false);
    const refusedUntil = Date.now();
    await eventually(async () => expect((await getRoles()).status).toBe(200), { timeoutMs: 10_000, intervalMs: 100 });
    const recoveryMs = Date.now() - refusedUntil;
    stop = true;
    await Promise.all([rolesLoad, loginLoad]);
    expect(recoveryMs).toBeLessThan(10_000);
    expect([...statuses.keys()].filter((status) => ![200, 302, 503].includes(status))).toEqual([]);
    expect(statuses.get(503)).toBeGreaterThan(0);
    await assertConsistent(database.url, through.url, handedOut);
  }, 90_000);
});
