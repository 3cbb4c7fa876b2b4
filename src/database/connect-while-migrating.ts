import type { DataSource } from 'typeorm';

/**
 * The service's DataSource, connected while the migrations run: connecting reads no table, so the
 * pool connects (and builds the entities' metadata) while the migrations' own connection waits on
 * PostgreSQL, and nothing is queried through it before they are done. When either fails the start
 * fails, with the migrations' error first (it says more), and a pool that did connect is closed.
 */
export async function connectWhileMigrating(connect: () => Promise<DataSource>, migrate: () => Promise<unknown>): Promise<DataSource> {
  const [connected, migrated] = await Promise.allSettled([connect(), migrate()]);
  if (migrated.status === 'rejected') {
    if (connected.status === 'fulfilled') await connected.value.destroy().catch(() => undefined);
    throw migrated.reason;
  }
  if (connected.status === 'rejected') throw connected.reason;
  return connected.value;
}
