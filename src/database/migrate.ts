import { DataSource, MigrationExecutor } from 'typeorm';
import { dataSourceOptions } from './data-source-options';

/**
 * The advisory lock every instance takes around migrations (any fixed number, the same in every
 * version of the service): two instances starting on an empty database migrate one after the other.
 */
export const MIGRATIONS_LOCK_KEY = 7_390_211_958_001;

/**
 * Applies the pending migrations, one instance at a time: the first to take the lock migrates,
 * the others wait for it and then find nothing left to do. It runs on a connection of its own
 * without the service's statement timeout, since a migration that moves data may take long.
 * Returns the names of the migrations applied here.
 */
export async function runMigrationsExclusively(databaseUrl: string): Promise<string[]> {
  const dataSource = new DataSource({
    ...dataSourceOptions(databaseUrl),
    // Migrations are plain SQL: the entities' metadata, built again for this connection, was a
    // twentieth of start-up.
    entities: [],
    extra: { max: 1, connectionTimeoutMillis: 10_000, keepAlive: true },
  });
  await dataSource.initialize();
  const runner = dataSource.createQueryRunner();
  try {
    await runner.connect();
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATIONS_LOCK_KEY]);
    try {
      // The extension TypeORM would otherwise create at every connect, racing the other instances.
      await runner.query(`CREATE EXTENSION IF NOT EXISTS "pgcrypto"`);
      const executor = new MigrationExecutor(dataSource, runner);
      executor.transaction = 'each';
      const applied = await executor.executePendingMigrations();
      return applied.map((migration) => migration.name);
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATIONS_LOCK_KEY]);
    }
  } finally {
    await runner.release();
    await dataSource.destroy();
  }
}
