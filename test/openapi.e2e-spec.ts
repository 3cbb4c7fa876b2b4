import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestApp, type TestApp } from './support/app';
import type { TestDatabase } from './support/database';

/**
 * The REST routes of the contract's "HTTP routes" table (docs and clients rely on them). Left
 * out: /openapi.json itself, and /oidc/*, which the OpenID Provider describes in its own
 * discovery document.
 */
const CONTRACT_ROUTES = [
  'GET /health',
  'GET /sso/initiate/{connectionId}',
  'GET /sso/callback/{connectionId}',
  'GET /sso/discover',
  'GET /auth/me',
  'POST /auth/logout',
  'GET /.well-known/jwks.json',
  'GET /v1/organizations/{organizationId}/users/{userId}/roles',
  'GET /v1/organizations/{organizationId}/roles',
  'POST /auth/magic-link',
  'GET /auth/magic-link/verify',
  'GET /sso/test/{token}',
  'GET /metrics',
];

interface Operation {
  summary?: string;
  parameters?: { name: string; in: string; required?: boolean }[];
  responses?: Record<string, unknown>;
}

describe('GET /openapi.json', () => {
  let service: TestApp & { database: TestDatabase };
  let document: { openapi: string; paths: Record<string, Record<string, Operation>> };

  beforeAll(async () => {
    service = await startTestApp();
    const response = await fetch(`${service.url}/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    document = (await response.json()) as typeof document;
  });

  afterAll(async () => {
    await service?.close();
    await service?.database.drop();
  });

  it('is an OpenAPI 3 document with every REST route of the contract, each with a summary and its responses', () => {
    expect(document.openapi).toMatch(/^3\./);
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ route: `${method.toUpperCase()} ${path}`, operation })),
    );
    const routes = operations.map(({ route }) => route);
    for (const route of CONTRACT_ROUTES) expect(routes).toContain(route);
    for (const { route, operation } of operations) {
      expect({ route, summary: typeof operation.summary }).toEqual({ route, summary: 'string' });
      expect({ route, responses: Object.keys(operation.responses ?? {}).length > 0 }).toEqual({ route, responses: true });
    }
  });

  it('describes path and query parameters', () => {
    const byEmail = document.paths['/v1/organizations/{organizationId}/roles'].get;
    expect(byEmail.parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'organizationId', in: 'path', required: true }),
        expect.objectContaining({ name: 'email', in: 'query', required: true }),
      ]),
    );
    const initiate = document.paths['/sso/initiate/{connectionId}'].get;
    expect(initiate.parameters?.map((parameter) => `${parameter.in}:${parameter.name}`).sort()).toEqual([
      'path:connectionId',
      'query:iss',
      'query:login_hint',
      'query:return_to',
      'query:target_link_uri',
    ]);
  });
});
