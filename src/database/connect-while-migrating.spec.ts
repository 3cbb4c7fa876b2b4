import { describe, expect, it } from '@jest/globals';
import type { DataSource } from 'typeorm';
import { connectWhileMigrating } from './connect-while-migrating';

/** A stand-in pool that only knows whether it was closed. */
function pool() {
  const state = { destroyed: false };
  const dataSource = { destroy: () => Promise.resolve((state.destroyed = true)) } as unknown as DataSource;
  return { dataSource, state };
}

describe(connectWhileMigrating.name, () => {
  it('connects while the migrations run, and returns the pool once both are done', async () => {
    const { dataSource, state } = pool();
    const order: string[] = [];
    let finishMigrations!: () => void;
    const migrating = new Promise<void>((resolve) => (finishMigrations = resolve));
    const started = connectWhileMigrating(
      () => {
        order.push('connect');
        return Promise.resolve(dataSource);
      },
      async () => {
        order.push('migrate');
        await migrating;
        order.push('migrated');
      },
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual(['connect', 'migrate']);
    finishMigrations();
    await expect(started).resolves.toBe(dataSource);
    expect(order).toEqual(['connect', 'migrate', 'migrated']);
    expect(state.destroyed).toBe(false);
  });

  it('fails with the migrations’ error and closes the pool that connected', async () => {
    const { dataSource, state } = pool();
    await expect(
      connectWhileMigrating(
        () => Promise.resolve(dataSource),
        () => Promise.reject(new Error('migration 12 failed')),
      ),
    ).rejects.toThrow('migration 12 failed');
    expect(state.destroyed).toBe(true);
  });

  it('fails with the migrations’ error when both fail', async () => {
    await expect(
      connectWhileMigrating(
        () => Promise.reject(new Error('too many connections')),
        () => Promise.reject(new Error('migration 12 failed')),
      ),
    ).rejects.toThrow('migration 12 failed');
  });

  it('fails with the connection’s error when only connecting fails', async () => {
    await expect(
      connectWhileMigrating(
        () => Promise.reject(new Error('too many connections')),
        () => Promise.resolve([]),
      ),
    ).rejects.toThrow('too many connections');
  });
});
