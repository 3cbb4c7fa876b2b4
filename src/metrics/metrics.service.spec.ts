import { describe, expect, it } from '@jest/globals';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DataSource } from 'typeorm';
import { MetricsService } from './metrics.service';

function finishedRequest(metrics: MetricsService, request: Record<string, unknown>, status: number, route?: string): void {
  const response = Object.assign(new EventEmitter(), { statusCode: status });
  let nextCalled = false;
  metrics.requestTimer(route)(request as unknown as IncomingMessage, response as unknown as ServerResponse, () => (nextCalled = true));
  expect(nextCalled).toBe(true);
  response.emit('finish');
}

describe(MetricsService.name, () => {
  it('labels request latency with the route pattern, the mount path, a given route, or unmatched; never the raw path', async () => {
    const metrics = new MetricsService();
    finishedRequest(metrics, { method: 'GET', url: '/sso/initiate/abc', baseUrl: '', route: { path: '/sso/initiate/:connectionId' } }, 302);
    finishedRequest(metrics, { method: 'POST', url: '/', baseUrl: '/graphql' }, 200);
    finishedRequest(
      metrics,
      { method: 'GET', url: '/v1/organizations/a/users/b/roles' },
      200,
      '/v1/organizations/:organizationId/users/:userId/roles',
    );
    finishedRequest(metrics, { method: 'GET', url: '/nothing/here' }, 404);
    const text = await metrics.registry.metrics();
    expect(text).toContain('http_request_duration_seconds_count{method="GET",route="/sso/initiate/:connectionId",status="302"} 1');
    expect(text).toContain('http_request_duration_seconds_count{method="POST",route="/graphql",status="200"} 1');
    expect(text).toContain(
      'http_request_duration_seconds_count{method="GET",route="/v1/organizations/:organizationId/users/:userId/roles",status="200"} 1',
    );
    expect(text).toContain('http_request_duration_seconds_count{method="GET",route="unmatched",status="404"} 1');
    expect(text).not.toContain('/sso/initiate/abc');
  });

  it('reads the database pool counts at scrape time, and counts cache lookups and job runs', async () => {
    const pool = { totalCount: 3, idleCount: 2, waitingCount: 0 };
    const metrics = new MetricsService({ driver: { master: pool } } as unknown as DataSource);
    pool.waitingCount = 4;
    metrics.rolesCacheLookup('hit');
    metrics.rolesCacheLookup('hit');
    metrics.rolesCacheLookup('miss');
    metrics.jobRun('secret_expiry_check', 'failed');
    const text = await metrics.registry.metrics();
    expect(text).toContain('db_pool_connections{state="total"} 3');
    expect(text).toContain('db_pool_connections{state="idle"} 2');
    expect(text).toContain('db_pool_connections{state="waiting"} 4');
    expect(text).toContain('roles_cache_lookups_total{result="hit"} 2');
    expect(text).toContain('roles_cache_lookups_total{result="miss"} 1');
    expect(text).toContain('background_job_runs_total{job="secret_expiry_check",outcome="failed"} 1');
  });
});
