import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestApp, type TestApp } from './support/app';
import type { TestDatabase } from './support/database';

describe('the GraphQL IDE outside production', () => {
  let service: TestApp & { database: TestDatabase };

  beforeAll(async () => {
    service = await startTestApp();
  });

  afterAll(async () => {
    await service?.close();
    await service?.database.drop();
  });

  it('opens Apollo Sandbox when a browser asks for /graphql', async () => {
    const response = await fetch(`${service.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(await response.text()).toContain('embeddable-sandbox');
  });
});
