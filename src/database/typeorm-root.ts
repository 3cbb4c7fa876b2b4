import type { DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { dataSourceOptions } from './data-source-options';
import { runMigrationsExclusively } from './migrate';
import { sendPreparedStatementsUnnamed } from './prepared-statement';

/** The database for the service and the admin CLI alike: migrated first (one instance at a time), every query bounded. */
export function typeOrmRoot(config: AppConfig & { databaseUrl: string }): DynamicModule {
  return TypeOrmModule.forRootAsync({
    useFactory: () => ({
      ...dataSourceOptions(config.databaseUrl, { statementTimeoutMs: config.databaseStatementTimeoutMs }),
      logging: false,
    }),
    dataSourceFactory: async (options) => {
      // Connecting reads no table, so the service's own pool connects (and builds the entities'
      // metadata) while the migrations' connection waits on PostgreSQL; nothing is queried
      // through it before the migrations are done.
      const [connected, migrated] = await Promise.allSettled([
        new DataSource(options!).initialize(),
        config.migrationsRun ? runMigrationsExclusively(config.databaseUrl) : Promise.resolve([]),
      ]);
      if (connected.status === 'rejected' || migrated.status === 'rejected') {
        if (connected.status === 'fulfilled') await connected.value.destroy().catch(() => undefined);
        throw connected.status === 'rejected' ? connected.reason : (migrated as PromiseRejectedResult).reason;
      }
      const dataSource = connected.value;
      if (!config.databasePreparedStatements) sendPreparedStatementsUnnamed(dataSource);
      return dataSource;
    },
  });
}
