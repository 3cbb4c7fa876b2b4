import type { DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { dataSourceOptions } from './data-source-options';
import { runMigrationsExclusively } from './migrate';
import { connectWhileMigrating } from './connect-while-migrating';
import { sendPreparedStatementsUnnamed } from './prepared-statement';

/** The database for the service and the admin CLI alike: migrated (one instance at a time) before its pool is used, every query bounded. */
export function typeOrmRoot(config: AppConfig & { databaseUrl: string }): DynamicModule {
  return TypeOrmModule.forRootAsync({
    useFactory: () => ({
      ...dataSourceOptions(config.databaseUrl, { statementTimeoutMs: config.databaseStatementTimeoutMs }),
      logging: false,
    }),
    dataSourceFactory: async (options) => {
      const dataSource = await connectWhileMigrating(
        () => new DataSource(options!).initialize(),
        () => (config.migrationsRun ? runMigrationsExclusively(config.databaseUrl) : Promise.resolve([])),
      );
      if (!config.databasePreparedStatements) sendPreparedStatementsUnnamed(dataSource);
      return dataSource;
    },
  });
}
