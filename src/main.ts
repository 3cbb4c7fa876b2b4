import 'reflect-metadata';
import type { Logger } from 'pino';
import { ConfigError, loadConfig } from './config/app-config';
import { createLogger } from './logging/logger';
import { describeDatabaseUrl } from './database/database-url';
import { EmbeddedPostgresError, startEmbeddedPostgres, type EmbeddedDatabase } from './database/embedded-postgres';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      for (const problem of error.problems) process.stderr.write(`Configuration error: ${problem.message}\n`);
      process.exit(78);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);

  let embedded: EmbeddedDatabase | undefined;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    // The application's code (most of the start-up time) loads while PostgreSQL starts in its
    // own process: the heavy synchronous require comes once the server is spawned.
    let spawned!: () => void;
    const spawning = new Promise<void>((resolve) => (spawned = resolve));
    const starting = startEmbeddedPostgres({
      dataDir: config.dataDir,
      log: (message) => logger.debug({ component: 'embedded-postgres' }, message),
      warn: (message) => logger.warn({ component: 'embedded-postgres' }, message),
      onSpawned: spawned,
    });
    await Promise.race([spawning, starting.catch(() => undefined)]);
    try {
      loadApp();
    } catch (error) {
      await starting.then((database) => database.stop()).catch(() => undefined);
      throw error;
    }
    try {
      embedded = await starting;
    } catch (error) {
      // One line that names the folder and what to do; a stack trace would only bury it.
      const message =
        error instanceof EmbeddedPostgresError
          ? error.message
          : `the embedded PostgreSQL in ${config.dataDir} could not start: ${error instanceof Error ? error.message : String(error)}`;
      logger.fatal({ component: 'embedded-postgres', dataDir: config.dataDir }, message);
      process.exit(1);
    }
    databaseUrl = embedded.url;
    logger.info({ database: describeDatabaseUrl(databaseUrl), dataDir: config.dataDir }, 'using the embedded PostgreSQL');
  } else {
    logger.info({ database: describeDatabaseUrl(databaseUrl) }, 'using PostgreSQL from DATABASE_URL');
  }

  let app;
  try {
    const { createApp } = loadApp();
    app = await createApp({ ...config, databaseUrl }, logger);
    await app.listen(config.port);
  } catch (error) {
    logger.fatal({ err: error }, 'the service could not start');
    await app?.close().catch(() => undefined);
    await embedded?.stop();
    process.exit(1);
  }
  logger.info({ url: config.publicUrl, port: config.port }, 'listening');
  await hintWhenNoPlatformKey(app, logger);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await app.close();
    await embedded?.stop();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

/** Says how to get a first admin key when none works (a fresh install without BOOTSTRAP_ADMIN_API_KEY). */
async function hintWhenNoPlatformKey(app: Awaited<ReturnType<typeof import('./create-app').createApp>>, logger: Logger): Promise<void> {
  const { ApiKeysService } = loadApp();
  // With MIGRATIONS_RUN=false the tables may not exist yet: no hint then, and no failed start.
  const hasKey = await app
    .get(ApiKeysService)
    .hasActivePlatformKey()
    .catch(() => true);
  if (!hasKey) {
    logger.warn(
      'no active platform API key: run `npm run admin -- create-key` (or set BOOTSTRAP_ADMIN_API_KEY) to get one for the GraphQL admin API',
    );
  }
}

let appModule: typeof import('./create-app') | undefined;

/** The application's code, required on first use (a synchronous load of most of the dependencies). */
function loadApp(): typeof import('./create-app') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (appModule ??= require('./create-app') as typeof import('./create-app'));
}

void main();
