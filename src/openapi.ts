import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { SESSION_COOKIE } from './auth/session-cookie';

/**
 * The OpenAPI 3 document of the REST routes, generated from the controllers' decorators. The
 * GraphQL admin API describes itself (introspection); the OpenID Provider under /oidc by its
 * discovery document.
 */
export function openApiDocument(app: INestApplication, publicUrl: string): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('SSO backend: REST routes')
    .setDescription(
      'Login (SSO, magic links), the session, the roles API for internal services, and operations. The admin API is GraphQL at POST /graphql.',
    )
    .setVersion('1')
    .addServer(publicUrl)
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'an API key (sk_…)' }, 'api-key')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'a session token (the JWT /auth/me accepts)' }, 'session-token')
    .addCookieAuth(SESSION_COOKIE, { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE }, 'session')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN, when set' }, 'metrics-token')
    .build();
  return SwaggerModule.createDocument(app, config);
}
