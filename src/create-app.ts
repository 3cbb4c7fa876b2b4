import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import cookieParser from 'cookie-parser';
import type { Logger } from 'pino';
import { AppModule } from './app.module';
import { AppConfig } from './config/app-config';
import { PinoNestLogger } from './logging/logger';
import { perRequestMiddleware } from './common/per-request';
import { OidcProviderService } from './oidc-provider/oidc-provider.service';
import { INTERACTION_PATH, OIDC_MOUNT_PATH } from './oidc-provider/oidc-paths';
import type { Request, Response } from 'express';
import { ApiKeysService } from './api-keys/api-keys.service';
import { MetricsService } from './metrics/metrics.service';
import { openApiDocument } from './openapi';
import { GRAPHQL_PATH, graphqlIdeHeaders } from './common/graphql-ide';

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
  // Server-Timing first, so that the time includes every middleware, guard and pipe; then the
  // request id and log line, as plain Express middleware (Nest's forRoutes('*path') would match a
  // route pattern per request for nothing); then the security headers. The roles fast path
  // (RolesFastPathModule) runs the same list for the answers it sends itself.
  for (const use of perRequestMiddleware(logger, config)) app.use(use);
  // Outside production, the GraphQL IDE's page gets the one policy that lets it load (graphql-ide.ts).
  if (!config.production) app.use(GRAPHQL_PATH, graphqlIdeHeaders);
  app.use(app.get(MetricsService).requestTimer());
  // Client IPs for rate limits: X-Forwarded-For is believed only from the proxies TRUST_PROXY names.
  app.set('trust proxy', config.trustProxy);
  // The OpenID Provider (oidc-provider, a Koa app) reads its own bodies and cookies: mounted
  // before the body parsers. Its interaction pages fall through to Nest (InteractionController).
  app.use(OIDC_MOUNT_PATH, app.get(OidcProviderService).handler());
  // Cookies are read only by the browser routes (the SSO flow, /auth/me and logout, the setup
  // portal, the OpenID Provider's interaction pages); the roles API and GraphQL, called by
  // services with bearer keys, skip the parsing.
  app.use(['/sso', '/auth', '/setup', `${OIDC_MOUNT_PATH}${INTERACTION_PATH}`], cookieParser());
  // Large enough that an oversized field reaches validation and is named in the error.
  app.useBodyParser('json', { limit: '1mb' });
  // Built on first request: scanning every controller is start-up time no one asked for.
  let openApi: string | undefined;
  app
    .getHttpAdapter()
    .getInstance()
    .get('/openapi.json', (_request: Request, response: Response) => {
      openApi ??= JSON.stringify(openApiDocument(app, config.publicUrl));
      response.type('application/json').send(openApi);
    });
  return app;
}
