import type { INestApplication } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig, type AppConfig } from '../../src/config/app-config';
import { createLogger } from '../../src/logging/logger';
import { createApp } from '../../src/create-app';
import { createTestDatabase, type TestDatabase } from './database';
import { freePort } from './ports';

export const PLATFORM_KEY = 'test-platform-admin-key-0123456789';

export interface TestApp {
  app: INestApplication;
  url: string;
  config: AppConfig;
  databaseUrl: string;
  close(): Promise<void>;
}

/**
 * Boots the real AppModule on a real PostgreSQL database and a random port. `env` adds
 * to a test configuration (secrets key fixed, bootstrap platform key set). With `logLines`,
 * every log record (JSON, at LOG_LEVEL) is pushed there.
 */
export async function startTestApp(
  options: { env?: Record<string, string>; database?: TestDatabase; logLines?: string[] } = {},
): Promise<TestApp & { database: TestDatabase }> {
  const database = options.database ?? (await createTestDatabase());
  const port = await freePort();
  // A data folder of its own (outbox mail, generated files), removed at close; never the clone's .data/.
  const dataDir = options.env?.DATA_DIR ?? mkdtempSync(join(tmpdir(), 'sso-test-app-'));
  const config = loadConfig({
    DATA_DIR: dataDir,
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    SECRETS_KEY: Buffer.alloc(32, 7).toString('base64'),
    BOOTSTRAP_ADMIN_API_KEY: PLATFORM_KEY,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    // Limits high enough that only the tests about them meet them (they set their own).
    SSO_RATE_LIMIT_PER_MINUTE: '100000',
    SSO_REFUSALS_PER_MINUTE: '100000',
    MAGIC_LINK_MAILS_PER_EMAIL_PER_MINUTE: '100000',
    OIDC_AUTHORIZATION_RATE_LIMIT_PER_MINUTE: '100000',
    OIDC_INTERACTION_RATE_LIMIT_PER_MINUTE: '100000',
    ...options.env,
    DATABASE_URL: database.url,
  });
  const logLines = options.logLines;
  const sink = logLines
    ? new Writable({
        write(chunk, _encoding, done) {
          logLines.push(String(chunk));
          done();
        },
      })
    : undefined;
  const app = await createApp({ ...config, databaseUrl: database.url }, createLogger(config.logLevel, false, sink));
  await app.listen(port, '127.0.0.1');
  const url = `http://127.0.0.1:${port}`;
  return {
    app,
    url,
    config,
    databaseUrl: database.url,
    database,
    close: async () => {
      await app.close();
      if (!options.env?.DATA_DIR) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
