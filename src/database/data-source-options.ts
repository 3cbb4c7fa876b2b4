import type { DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from '../migrations';

/** The one place the TypeORM connection is described, shared by the app and the CLI. */
export function dataSourceOptions(databaseUrl: string, migrationsRun = false): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    migrationsRun,
    migrationsTransactionMode: 'each',
    synchronize: false,
    uuidExtension: 'pgcrypto',
    extra: { max: 20, connectionTimeoutMillis: 5000 },
  };
}
