import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PLATFORM_KEY, startTestApp, type TestApp } from './support/app';
import { graphql } from './support/graphql';
import type { TestDatabase } from './support/database';

describe('GraphQL with NODE_ENV=production', () => {
  let service: TestApp & { database: TestDatabase };

  beforeAll(async () => {
    service = await startTestApp({ env: { NODE_ENV: 'production', PUBLIC_URL: 'https://sso.example.com' } });
  });

  afterAll(async () => {
    await service.close();
    await service.database.drop();
  });

  it('refuses introspection', async () => {
    const result = await graphql(service.url, PLATFORM_KEY, '{ __schema { types { name } } }');
    expect(result.data ?? null).toBeNull();
    expect(result.errors?.[0].message).toMatch(/introspection/i);
  });

  it('serves no landing page, and no policy that would let one load', async () => {
    const response = await fetch(`${service.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(await response.text()).not.toMatch(/<html|sandbox/i);
    const policy = response.headers.get('content-security-policy')!;
    expect(policy).toMatch(/default-src 'none'/);
    expect(policy).not.toMatch(/apollographql|nonce-/);
  });

  it('does not suggest field names in validation errors', async () => {
    const result = await graphql(service.url, PLATFORM_KEY, '{ organizationz { id } }');
    expect(result.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(result.errors?.[0].message).toMatch(/Cannot query field "organizationz"/);
    expect(result.errors?.[0].message).not.toMatch(/Did you mean|organizations/);
  });

  it('still answers operations', async () => {
    const result = await graphql(service.url, PLATFORM_KEY, '{ organizations { id } }');
    expect(result.data).toEqual({ organizations: [] });
  });
});
