import * as pg from 'pg';
import type { DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from '../migrations';

/**
 * How long the service waits on PostgreSQL. Every bound derives from the statement timeout, so
 * that a request answers (or fails as unavailable) in bounded time whatever the network does.
 */
export interface DatabaseTimeouts {
  /** PostgreSQL cancels a statement that runs longer (statement_timeout). */
  statementTimeoutMs: number;
}

/** The client gives up on an answer a little after the server would have cancelled the statement. */
const CLIENT_GRACE_MS = 1000;

/**
 * The pg client settings that bound every wait: connecting, each statement on the server, and
 * the answer on the client (a connection that went silent, where no server-side timeout helps).
 * TCP keepalive lets the kernel notice a peer that vanished without closing the connection.
 */
export function boundedClientSettings(timeouts: DatabaseTimeouts) {
  return {
    connectionTimeoutMillis: timeouts.statementTimeoutMs,
    statement_timeout: timeouts.statementTimeoutMs,
    query_timeout: clientQueryTimeoutMs(timeouts),
    keepAlive: true,
    keepAliveInitialDelayMillis: 1000,
  };
}

/** How long a query may go unanswered before the client reports the database unavailable. */
export function clientQueryTimeoutMs(timeouts: DatabaseTimeouts): number {
  return timeouts.statementTimeoutMs + CLIENT_GRACE_MS;
}

/** The one place the TypeORM connection is described, shared by the app and the CLI. */
export function dataSourceOptions(databaseUrl: string, timeouts?: DatabaseTimeouts): DataSourceOptions {
  return {
    type: 'postgres',
    // The pg the service's own clients use: TypeORM would otherwise require it by a name the bundle
    // cannot follow, a second copy loaded from node_modules at every start.
    driver: pg,
    url: databaseUrl,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    // The service runs migrations itself, one instance at a time (see migrate.ts).
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    synchronize: false,
    uuidExtension: 'pgcrypto',
    // Created once under the migrations lock (migrate.ts), not by every connecting instance at once.
    installExtensions: false,
    // An idle pooled connection that dies (a restart, a partition) is dropped by the pool; the
    // next query that needs one reports the outage, so the pool's own event says nothing new.
    poolErrorHandler: () => undefined,
    extra: { max: 20, ...(timeouts ? boundedClientSettings(timeouts) : { connectionTimeoutMillis: 5000 }) },
  };
}
