import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/database/embedded-postgres';

declare global {
  var __TEST_POSTGRES__: EmbeddedDatabase | undefined;
  var __TEST_POSTGRES_DIR__: string | undefined;
}

/**
 * One PostgreSQL server for the whole e2e run: DATABASE_URL's, or an embedded one in a
 * temporary folder (readable by the postgres user even when the clone sits under /root).
 * Each test file then makes its own database on it (see database.ts).
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.DATABASE_URL) {
    process.env.TEST_POSTGRES_ADMIN_URL = process.env.DATABASE_URL;
    return;
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'sso-test-pg-'));
  chmodSync(dataDir, 0o755);
  const server = await startEmbeddedPostgres({ dataDir, database: 'postgres', fast: true });
  globalThis.__TEST_POSTGRES__ = server;
  globalThis.__TEST_POSTGRES_DIR__ = dataDir;
  process.env.TEST_POSTGRES_ADMIN_URL = server.url;
}
