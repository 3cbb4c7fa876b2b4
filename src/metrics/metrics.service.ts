import { Injectable, Optional } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import type { DatabaseOutageObserver, OutageSurface } from '../common/database-outages';

/** What a request handler reads to name the route: Express's matched route, when there is one. */
type RoutedRequest = IncomingMessage & { route?: { path?: unknown }; baseUrl?: string };

/** The pg pool's own counters (TypeORM keeps the pool as its driver's `master`). */
interface PoolCounts {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

export type LoginOutcomeLabel = 'succeeded' | 'refused';
export type JobOutcomeLabel = 'succeeded' | 'failed';

/**
 * The service's Prometheus metrics, in a registry of its own (one per application, so tests can
 * boot several). Other contexts call the small methods below; only the controller reads the
 * registry. Labels are bounded sets: route patterns, never raw paths.
 */
@Injectable()
export class MetricsService implements DatabaseOutageObserver {
  readonly registry = new Registry();

  private readonly logins = new Counter({
    name: 'sso_logins_total',
    help: 'SSO login attempts by outcome, callback error code (none on success) and connection type',
    labelNames: ['outcome', 'error_code', 'connection_type'] as const,
    registers: [this.registry],
  });

  private readonly requestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  private readonly rolesCacheLookups = new Counter({
    name: 'roles_cache_lookups_total',
    help: 'Roles API cache lookups by result (hit or miss)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  private readonly jobRuns = new Counter({
    name: 'background_job_runs_total',
    help: 'Runs of scheduled background jobs by job and outcome',
    labelNames: ['job', 'outcome'] as const,
    registers: [this.registry],
  });

  private readonly databaseOutages = new Counter({
    name: 'database_unavailable_responses_total',
    help: 'Requests answered 503 / SERVICE_UNAVAILABLE because PostgreSQL could not serve them, by surface (http or graphql)',
    labelNames: ['surface'] as const,
    registers: [this.registry],
  });

  constructor(@Optional() dataSource?: DataSource) {
    collectDefaultMetrics({ register: this.registry });
    const pool = () => (dataSource?.driver as unknown as { master?: PoolCounts } | undefined)?.master;
    new Gauge({
      name: 'db_pool_connections',
      help: 'PostgreSQL pool connections by state: total (open), idle, and waiting (requests queued for a connection)',
      labelNames: ['state'] as const,
      registers: [this.registry],
      collect() {
        const counts = pool();
        if (!counts) return;
        this.set({ state: 'total' }, counts.totalCount);
        this.set({ state: 'idle' }, counts.idleCount);
        this.set({ state: 'waiting' }, counts.waitingCount);
      },
    });
  }

  loginAttempt(outcome: LoginOutcomeLabel, errorCode: string | null, connectionType: string): void {
    this.logins.inc({ outcome, error_code: errorCode ?? 'none', connection_type: connectionType });
  }

  rolesCacheLookup(result: 'hit' | 'miss'): void {
    this.rolesCacheLookups.inc({ result });
  }

  jobRun(job: string, outcome: JobOutcomeLabel): void {
    this.jobRuns.inc({ job, outcome });
  }

  databaseUnavailable(surface: OutageSurface): void {
    this.databaseOutages.inc({ surface });
  }

  /**
   * Express-style middleware timing each request until its response is sent. `route` names the
   * pattern for handlers outside Express's router (the roles API's warm path); otherwise it is
   * Express's matched route, the mount path (GraphQL, the OpenID Provider), or `unmatched`.
   */
  requestTimer(route?: string): (request: IncomingMessage, response: ServerResponse, next: () => void) => void {
    return (request, response, next) => {
      const stop = this.requestDuration.startTimer();
      response.once('finish', () => {
        stop({ method: request.method ?? 'GET', route: route ?? routeOf(request), status: String(response.statusCode) });
      });
      next();
    };
  }
}

function routeOf(request: RoutedRequest): string {
  const base = request.baseUrl ?? '';
  if (typeof request.route?.path === 'string') return `${base}${request.route.path}` || '/';
  return base || 'unmatched';
}
