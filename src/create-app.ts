import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import cookieParser from 'cookie-parser';
import type { Logger } from 'pino';
import { AppModule } from './app.module';
import { AppConfig } from './config/app-config';
import { PinoNestLogger } from './logging/logger';
import { serverTiming } from './common/server-timing';

/** Builds the configured Nest application (not yet listening): shared by main and the tests. */
export async function createApp(config: AppConfig & { databaseUrl: string }, logger: Logger): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, logger), {
    logger: new PinoNestLogger(logger.child({ component: 'nest' })),
    bufferLogs: false,
    abortOnError: false,
  });
  app.disable('x-powered-by');
  // First, so that the time includes every middleware, guard and pipe.
  app.use(serverTiming);
  // Client IPs for rate limits: X-Forwarded-For is believed only from the proxies TRUST_PROXY names.
  app.set('trust proxy', config.trustProxy);
  app.use(cookieParser());
  // Large enough that an oversized field reaches validation and is named in the error.
  app.useBodyParser('json', { limit: '1mb' });
  return app;
}
