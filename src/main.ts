import 'reflect-metadata';
import { ConfigError, loadConfig } from './config/app-config';
import { createLogger } from './logging/logger';
import { describeDatabaseUrl } from './database/data-source-options';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './database/embedded-postgres';
import { createApp } from './create-app';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`Configuration error: ${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);

  let embedded: EmbeddedDatabase | undefined;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    embedded = await startEmbeddedPostgres({
      dataDir: config.dataDir,
      log: (message) => logger.debug({ component: 'embedded-postgres' }, message),
      warn: (message) => logger.warn({ component: 'embedded-postgres' }, message),
    });
    databaseUrl = embedded.url;
    logger.info({ database: describeDatabaseUrl(databaseUrl), dataDir: config.dataDir }, 'using the embedded PostgreSQL');
  } else {
    logger.info({ database: describeDatabaseUrl(databaseUrl) }, 'using PostgreSQL from DATABASE_URL');
  }

  let app;
  try {
    app = await createApp({ ...config, databaseUrl }, logger);
    await app.listen(config.port);
  } catch (error) {
    logger.fatal({ err: error }, 'the service could not start');
    await app?.close().catch(() => undefined);
    await embedded?.stop();
    process.exit(1);
  }
  logger.info({ url: config.publicUrl, port: config.port }, 'listening');

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

void main();
