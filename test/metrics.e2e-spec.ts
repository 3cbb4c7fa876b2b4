import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { PLATFORM_KEY, startTestApp, type TestApp } from './support/app';
import type { TestDatabase } from './support/database';
import { graphqlOk } from './support/graphql';

const METRICS_TOKEN = 'metrics-scraper-token-0123456789';

describe('GET /metrics and the health probes', () => {
  let service: TestApp & { database: TestDatabase };
  const logLines: string[] = [];

  beforeAll(async () => {
    service = await startTestApp({ env: { METRICS_TOKEN, LOG_LEVEL: 'info' }, logLines });
  });

  afterAll(async () => {
    await service?.close();
    await service?.database.drop();
  });

  async function scrape(): Promise<string> {
    const response = await fetch(`${service.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    return response.text();
  }

  it('splits health into liveness (no database) and readiness (the database answers); /health stays', async () => {
    for (const path of ['/health', '/health/ready', '/health/live']) {
      const response = await fetch(`${service.url}${path}`);
      expect({ path, status: response.status, body: await response.json() }).toEqual({ path, status: 200, body: { status: 'ok' } });
    }
  });

  it('refuses a scrape without METRICS_TOKEN when it is set', async () => {
    expect((await fetch(`${service.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${service.url}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
  });

  it('serves request latency per route pattern, roles cache lookups and the database pool in Prometheus text', async () => {
    const { createOrganization } = await graphqlOk(
      service.url,
      PLATFORM_KEY,
      'mutation { createOrganization(input: { name: "Metrics Corp" }) { id } }',
    );
    const rolesUrl = `${service.url}/v1/organizations/${createOrganization.id}/users/${randomUUID()}/roles`;
    expect((await fetch(rolesUrl, { headers: { authorization: `Bearer ${PLATFORM_KEY}` } })).status).toBe(404);

    const text = await scrape();
    expect(text).toMatch(
      /^http_request_duration_seconds_count\{method="GET",route="\/v1\/organizations\/:organizationId\/users\/:userId\/roles",status="404"\} 1$/m,
    );
    expect(text).toMatch(/^http_request_duration_seconds_count\{method="POST",route="\/graphql",status="200"\} [1-9]/m);
    expect(text).not.toContain(createOrganization.id);
    expect(text).toMatch(/^roles_cache_lookups_total\{result="miss"\} [1-9]/m);
    expect(text).toMatch(/^db_pool_connections\{state="total"\} [1-9]/m);
    expect(text).toMatch(/^db_pool_connections\{state="waiting"\} 0$/m);
    expect(text).toContain('# TYPE sso_logins_total counter');
    expect(text).toContain('# TYPE background_job_runs_total counter');
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it('logs a GraphQL call with its real path, not the "/" Apollo sees', () => {
    const graphqlLines = logLines.map((line) => JSON.parse(line)).filter((record) => record.req?.method === 'POST');
    expect(graphqlLines.length).toBeGreaterThan(0);
    expect(graphqlLines.map((record) => record.req.url)).toContain('/graphql');
    expect(graphqlLines.map((record) => record.req.url)).not.toContain('/');
  });
});
