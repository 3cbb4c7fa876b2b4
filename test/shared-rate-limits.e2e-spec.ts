import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from 'pg';
import { PLATFORM_KEY, startTestApp, type TestApp } from './support/app';
import { graphqlOk } from './support/graphql';
import { queryDatabase, type TestDatabase } from './support/database';
import { RateLimitsService } from '../src/rate-limits/rate-limits.service';
import { startTestIdp, type TestIdp } from './support/test-idp';
import { createConnection } from './support/fixtures';

/** Every limit the service sets low here, so that this file meets each of them. */
const LIMITS = {
  SSO_RATE_LIMIT_PER_MINUTE: '10',
  SSO_REFUSALS_PER_MINUTE: '6',
  MAGIC_LINK_RATE_LIMIT_PER_IP: '4',
  MAGIC_LINK_RATE_LIMIT_PER_EMAIL: '3',
  OIDC_TOKEN_RATE_LIMIT_PER_MINUTE: '4',
};

/**
 * Two real instances of the service on one database, as behind a load balancer: a limit holds
 * once for both, not once per instance.
 */
describe('rate limits shared by instances', () => {
  let first: TestApp & { database: TestDatabase };
  let second: TestApp;
  let connectionId: string;
  let idp: TestIdp;
  let address = 0;
  /** A client address of each test's own (X-Forwarded-For is believed from loopback). */
  const newAddress = () => `198.51.100.${++address}`;

  /** `count` requests from one address, alternating between the instances: their statuses in order. */
  async function alternate(
    count: number,
    request: (baseUrl: string, ip: string) => Promise<Response>,
    ip = newAddress(),
  ): Promise<number[]> {
    const statuses: number[] = [];
    for (let index = 0; index < count; index++) statuses.push((await request(index % 2 ? second.url : first.url, ip)).status);
    return statuses;
  }

  const discover = (baseUrl: string, ip: string) =>
    fetch(`${baseUrl}/sso/discover?email=someone@unclaimed-limits-test.com`, {
      redirect: 'manual',
      headers: { 'x-forwarded-for': ip, accept: 'application/json' },
    });

  beforeAll(async () => {
    idp = await startTestIdp();
    first = await startTestApp({ env: LIMITS });
    second = await startTestApp({ database: first.database, env: LIMITS });
    const { createOrganization } = await graphqlOk(
      first.url,
      PLATFORM_KEY,
      'mutation { createOrganization(input: { name: "Limits" }) { id } }',
    );
    const connection = await createConnection(first.url, {
      organizationId: createOrganization.id,
      type: 'GENERIC_OIDC',
      discoveryUrl: idp.discoveryUrl,
      clientId: 'limits-app',
      clientSecret: 'limits-secret',
    });
    connectionId = connection.id;
  });

  afterAll(async () => {
    await second.close();
    await first.close();
    await first.database.drop();
    await idp.close();
  });

  it('lets an address make 10 /sso/* requests a minute over both instances together, then answers 429 with Retry-After on each', async () => {
    const ip = newAddress();
    expect(await alternate(10, discover, ip)).toEqual(Array(10).fill(404));
    for (const instance of [first, second]) {
      const refused = await discover(instance.url, ip);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await refused.json()).toMatchObject({ error: 'rate_limited' });
    }
    // Another address is not held back.
    expect((await discover(second.url, newAddress())).status).toBe(404);
  });

  it('shares the magic-link limits per address and per email', async () => {
    const ask = (email: string) => (baseUrl: string, ip: string) =>
      fetch(`${baseUrl}/auth/magic-link`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
        body: JSON.stringify({ email }),
      });
    let sent = 0;
    const anyEmail = (baseUrl: string, ip: string) => ask(`person-${++sent}@unclaimed-limits-test.com`)(baseUrl, ip);
    expect(await alternate(5, anyEmail)).toEqual([202, 202, 202, 202, 429]);
    expect(await alternate(4, ask('one@unclaimed-limits-test.com'))).toEqual([202, 202, 202, 429]);
  });

  it('shares the limit on refusals before the IdP (a bogus iss)', async () => {
    const bogus = (baseUrl: string, ip: string) =>
      fetch(`${baseUrl}/sso/initiate/${connectionId}?iss=https://bogus.example`, {
        redirect: 'manual',
        headers: { 'x-forwarded-for': ip, accept: 'application/json' },
      });
    expect(await alternate(8, bogus)).toEqual([400, 400, 400, 400, 400, 400, 429, 429]);
  });

  it('shares the OpenID Provider’s token endpoint limit per address', async () => {
    const token = (baseUrl: string, ip: string) =>
      fetch(`${baseUrl}/oidc/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': ip },
        body: new URLSearchParams({ grant_type: 'authorization_code', code: 'x', client_id: 'no-such-app', client_secret: 'guess' }),
      });
    expect(await alternate(5, token)).toEqual([401, 401, 401, 401, 429]);
  });

  it('keeps limiting on the instance’s own memory while PostgreSQL does not answer in time', async () => {
    // An instance of its own with a small limit: each count left waiting holds a pool connection.
    const third = await startTestApp({ database: first.database, env: { ...LIMITS, SSO_RATE_LIMIT_PER_MINUTE: '3' } });
    const locker = new Client({ connectionString: first.databaseUrl });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE rate_limits IN ACCESS EXCLUSIVE MODE');
      const ip = newAddress();
      const statuses: number[] = [];
      for (let index = 0; index < 4; index++) statuses.push((await discover(third.url, ip)).status);
      expect(statuses).toEqual([404, 404, 404, 429]);
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
      await third.close();
    }
  });

  it('sweeps windows that ended and keeps the running ones, storing no address in the clear', async () => {
    const ip = newAddress();
    await discover(first.url, ip);
    const rows = () => queryDatabase<{ key: string; expire: string }>(first.databaseUrl, 'SELECT key, expire FROM rate_limits');
    expect(JSON.stringify(await rows())).not.toContain(ip);
    const running = (await rows()).length;
    await queryDatabase(first.databaseUrl, `INSERT INTO rate_limits (key, points, expire) VALUES ('sso_ip:ended', 3, $1)`, [
      Date.now() - 1000,
    ]);
    await first.app.get(RateLimitsService).pruneExpired();
    const left = await rows();
    expect(left.map((row) => row.key)).not.toContain('sso_ip:ended');
    expect(left).toHaveLength(running);
  });
});
