import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import cookieParser from 'cookie-parser';
import type { Logger } from 'pino';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, Response } from 'express';
import { AppModule } from './app.module';
import { AppConfig } from './config/app-config';
import { PinoNestLogger } from './logging/logger';
import { serverTiming } from './common/server-timing';
import { securityHeaders } from './common/security-headers';
import { RequestLoggingMiddleware } from './logging/request-logging.middleware';
import { ApiKeysService } from './api-keys/api-keys.service';
import { ProvisioningService } from './provisioning/provisioning.service';
import { installRolesFastPath, ROLES_BY_USER_ID_ROUTE } from './provisioning/roles-fast-path';
import { MetricsService } from './metrics/metrics.service';
import { openApiDocument } from './openapi';

// main.ts loads this module lazily and reaches the service through it.
export { ApiKeysService };

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
  // The request id and log line of every request, as plain Express middleware: Nest's
  // forRoutes('*path') would match a route pattern per request for nothing.
  const requestLogging = new RequestLoggingMiddleware(logger);
  const logRequest = (request: IncomingMessage, response: ServerResponse, next: () => void) => requestLogging.use(request, response, next);
  app.use(logRequest);
  app.use(securityHeaders({ https: new URL(config.publicUrl).protocol === 'https:' }));
  const metrics = app.get(MetricsService);
  app.use(metrics.requestTimer());
  // The roles API's warm answers before Express and Nest (the same middleware, headers and body);
  // every other request goes on to them.
  installRolesFastPath(app.getHttpServer(), {
    apiKeys: app.get(ApiKeysService),
    provisioning: app.get(ProvisioningService),
    middleware: [serverTiming, logRequest, metrics.requestTimer(ROLES_BY_USER_ID_ROUTE)],
    etagOf: app.getHttpAdapter().getInstance().get('etag fn'),
  });
  // Client IPs for rate limits: X-Forwarded-For is believed only from the proxies TRUST_PROXY names.
  app.set('trust proxy', config.trustProxy);
  // Cookies are read only by the browser routes (the SSO flow, /auth/me and logout); the roles
  // API and GraphQL, called by services with bearer keys, skip the parsing.
  app.use(['/sso', '/auth'], cookieParser());
  // Large enough that an oversized field reaches validation and is named in the error.
  app.useBodyParser('json', { limit: '1mb' });
  // Built on first request: scanning every controller is start-up time no one asked for.
  let openApi: string | undefined;
  app.getHttpAdapter().getInstance().get('/openapi.json', (_request: Request, response: Response) => {
    openApi ??= JSON.stringify(openApiDocument(app, config.publicUrl));
    response.type('application/json').send(openApi);
  });
  return app;
}
