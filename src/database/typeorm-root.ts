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
      if (config.migrationsRun) await runMigrationsExclusively(config.databaseUrl);
      const dataSource = await new DataSource(options!).initialize();
      if (!config.databasePreparedStatements) sendPreparedStatementsUnnamed(dataSource);
      return dataSource;
    },
  });
}
