import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './src/database/data-source-options';

/**
 * The data source of the TypeORM CLI (`npm run migration:generate -- src/migrations/Name`,
 * `npm run migration:run`). Those scripts go through src/database/cli.ts, which sets
 * DATABASE_URL to the embedded PostgreSQL when none is given.
 */
const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) throw new Error('DATABASE_URL must be set for the TypeORM CLI');

export default new DataSource(dataSourceOptions(databaseUrl));
