import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestApp, type TestApp } from './support/app';
import { createTestDatabase, queryDatabase, type TestDatabase } from './support/database';

const LIMIT = 3;

/** The /sso/* rate limit counts per client IP: X-Forwarded-For decides it only when TRUST_PROXY trusts the peer (here 127.0.0.1). */
describe('TRUST_PROXY', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    await database.drop();
  });

  /** Statuses of LIMIT + 1 requests, each claiming a client IP of its own. */
  async function statusesWithForwardedIps(trustProxy: string | undefined): Promise<number[]> {
    const env: Record<string, string> = {
      SSO_RATE_LIMIT_PER_MINUTE: String(LIMIT),
      ...(trustProxy === undefined ? {} : { TRUST_PROXY: trustProxy }),
    };
    const service: TestApp = await startTestApp({ database, env });
    // The counts live in the database and outlast an instance: each case starts from none.
    await queryDatabase(database.url, 'DELETE FROM rate_limits');
    try {
      const statuses: number[] = [];
      for (let request = 0; request <= LIMIT; request++) {
        const response = await fetch(`${service.url}/sso/discover?email=someone@unknown-proxy-test.com`, {
          redirect: 'manual',
          headers: { 'x-forwarded-for': `198.51.100.${request + 1}` },
        });
        statuses.push(response.status);
      }
      return statuses;
    } finally {
      await service.close();
    }
  }

  it('believes X-Forwarded-For from a loopback proxy by default', async () => {
    expect(await statusesWithForwardedIps(undefined)).toEqual([404, 404, 404, 404]);
  });

  it('ignores X-Forwarded-For when TRUST_PROXY=false: every request counts against the peer', async () => {
    expect(await statusesWithForwardedIps('false')).toEqual([404, 404, 404, 429]);
  });

  it('ignores X-Forwarded-For from a peer outside the configured proxies', async () => {
    expect(await statusesWithForwardedIps('10.0.0.0/8')).toEqual([404, 404, 404, 429]);
  });

  it('believes X-Forwarded-For from a configured proxy address', async () => {
    expect(await statusesWithForwardedIps('127.0.0.1')).toEqual([404, 404, 404, 404]);
  });
});
