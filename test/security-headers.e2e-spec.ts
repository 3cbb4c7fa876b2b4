import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, randomUUID } from 'node:crypto';
import { startTestApp, type TestApp } from './support/app';
import type { TestDatabase } from './support/database';

/** helmet's headers on every response, a strict CSP that still lets the pages' own styles apply. */
describe('security headers', () => {
  let plain: TestApp & { database: TestDatabase };
  let https: TestApp & { database: TestDatabase };

  beforeAll(async () => {
    plain = await startTestApp();
    https = await startTestApp({ env: { PUBLIC_URL: 'https://sso.example.com' } });
  });

  afterAll(async () => {
    await plain.close();
    await plain.database.drop();
    await https.close();
    await https.database.drop();
  });

  /** The Content-Security-Policy header as directive → sources. */
  const policyOf = (response: Response): Record<string, string[]> =>
    Object.fromEntries(
      (response.headers.get('content-security-policy') ?? '')
        .split(';')
        .map((directive) => directive.trim().split(/\s+/))
        .map(([name, ...sources]) => [name, sources]),
    );

  /** A sign-in error page: HTML, reached with a callback URL that carries a code and state. */
  const errorPage = (service: TestApp) =>
    fetch(`${service.url}/sso/callback/${randomUUID()}?code=secret-code&state=secret-state`, {
      headers: { accept: 'text/html' },
      redirect: 'manual',
    });

  it('gives an HTML page a strict Content-Security-Policy with no inline script and no framing', async () => {
    const response = await errorPage(plain);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const policy = policyOf(response);
    expect(policy['default-src']).toEqual(["'none'"]);
    expect(policy['frame-ancestors']).toEqual(["'none'"]);
    // Scripts only as files of this service (the setup portal's copy buttons): never inline.
    expect(policy['script-src']).toEqual(["'self'"]);
    expect(JSON.stringify(policy)).not.toMatch(/unsafe-inline|unsafe-eval/);
    // The page's one inline style block is allowed by its hash, so the page still looks as meant.
    const style = /<style>([^<]*)<\/style>/.exec(await response.text())![1];
    expect(policy['style-src']).toContain(`'sha256-${createHash('sha256').update(style).digest('base64')}'`);
    expect(response.headers.get('x-frame-options')).toBe('DENY');
  });

  it('sends nosniff and no-referrer, and no HSTS over plain http', async () => {
    for (const response of [await errorPage(plain), await fetch(`${plain.url}/health`)]) {
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('strict-transport-security')).toBeNull();
    }
  });

  it('sends HSTS when PUBLIC_URL is https', async () => {
    const response = await errorPage(https);
    expect(response.headers.get('strict-transport-security')).toMatch(/^max-age=31536000; includeSubDomains$/);
  });

  it('gives the GraphQL IDE’s page, outside production, a policy that lets Apollo Sandbox load and nothing more', async () => {
    const response = await fetch(`${plain.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain('src="https://embeddable-sandbox.cdn.apollographql.com/');
    const policy = policyOf(response);
    // The page's inline script runs by its nonce, the one Apollo rendered into it.
    const nonce = /<script nonce="([0-9a-f]+)">/.exec(page)![1];
    expect(policy['script-src']).toEqual([`'nonce-${nonce}'`, 'https://embeddable-sandbox.cdn.apollographql.com']);
    expect(policy['frame-src']).toEqual(['https://sandbox.embed.apollographql.com']);
    // The embed sends the Sandbox's operations from the page to this endpoint.
    expect(policy['connect-src']).toEqual(["'self'"]);
    expect(policy['default-src']).toEqual(["'none'"]);
    expect(policy['frame-ancestors']).toEqual(["'none'"]);
    expect(JSON.stringify(policy)).not.toMatch(/unsafe-|\*/);

    const again = await fetch(`${plain.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(policyOf(again)['script-src'][0]).not.toBe(`'nonce-${nonce}'`);
  });

  it('keeps the strict policy on the GraphQL API’s own answers', async () => {
    const answers = [
      await fetch(`${plain.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/html, application/json' },
        body: JSON.stringify({ query: '{ __typename }' }),
      }),
      await fetch(`${plain.url}/graphql?query=${encodeURIComponent('{ __typename }')}`, {
        headers: { accept: 'application/json', 'apollo-require-preflight': 'true' },
      }),
    ];
    for (const response of answers) {
      expect(response.headers.get('content-type')).toMatch(/^application\/(graphql-response\+)?json/);
      const policy = policyOf(response);
      expect(policy['default-src']).toEqual(["'none'"]);
      expect(policy['script-src']).toEqual(["'self'"]);
      expect(policy['frame-src']).toBeUndefined();
      expect(response.headers.get('content-security-policy')).not.toMatch(/apollographql|nonce-/);
    }
  });
});
