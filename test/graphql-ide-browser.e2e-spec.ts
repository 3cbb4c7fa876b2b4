import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser } from 'playwright-core';
import { launchChromium } from './support/chromium';
import { startTestApp, type TestApp } from './support/app';
import { eventually } from './support/eventually';
import type { TestDatabase } from './support/database';

/**
 * Stands in for Apollo's embed script (no CDN is reachable here): it does what the real one does
 * under the page's policy, frames the Sandbox from its origin and sends an operation from the page
 * to the endpoint.
 */
const FAKE_EMBED_SCRIPT = `
window.EmbeddedSandbox = function (config) {
  window.sandboxConfig = config;
  var frame = document.createElement('iframe');
  frame.onload = function () { window.sandboxFramed = true; };
  frame.src = 'https://sandbox.embed.apollographql.com/sandbox/explorer';
  document.querySelector(config.target).appendChild(frame);
  fetch(config.initialEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ __typename }' }),
  }).then(function (response) { return response.json(); }).then(function (body) { window.sandboxAnswer = body; });
};`;

/** Collects the page's policy violations from its first moment (the test's scripts run outside the policy). */
const WATCH_VIOLATIONS = `window.violations = [];
document.addEventListener('securitypolicyviolation', function (event) {
  window.violations.push(event.violatedDirective + ' ' + event.blockedURI);
});`;

const PAGE_STATE = `({
  endpoint: window.sandboxConfig && window.sandboxConfig.initialEndpoint,
  framed: window.sandboxFramed,
  answer: window.sandboxAnswer,
  violations: window.violations,
})`;

interface PageState {
  endpoint?: string;
  framed?: boolean;
  answer?: unknown;
  violations: string[];
}

/** The GraphQL IDE in Chromium: the page's own header policy lets Apollo Sandbox load and work. */
describe('the GraphQL IDE in a real browser', () => {
  let service: TestApp & { database: TestDatabase };
  let browser: Browser;

  beforeAll(async () => {
    service = await startTestApp();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await service?.close();
    await service?.database.drop();
  });

  it('runs the page’s script, frames the Sandbox and lets it call the endpoint, under the header policy', async () => {
    const page = await browser.newPage();
    await page.addInitScript({ content: WATCH_VIOLATIONS });
    await page.route('https://embeddable-sandbox.cdn.apollographql.com/**', (route) =>
      route.fulfill({ contentType: 'application/javascript', body: FAKE_EMBED_SCRIPT }),
    );
    await page.route('https://sandbox.embed.apollographql.com/**', (route) =>
      route.fulfill({ contentType: 'text/html', body: '<p>Sandbox</p>' }),
    );
    await page.goto(`${service.url}/graphql`);

    const state = await eventually(async () => {
      const now = await page.evaluate<PageState>(PAGE_STATE);
      expect(now.framed).toBe(true);
      expect(now.answer).toBeDefined();
      return now;
    });
    // The inline script (allowed by its nonce) built the Sandbox for this endpoint.
    expect(state.endpoint).toBe(`${service.url}/graphql`);
    expect(state.answer).toEqual({ data: { __typename: 'Query' } });
    // Only the page's cosmetic extras are refused (its favicon and web font): nothing the Sandbox needs.
    for (const violation of state.violations)
      expect(violation).toMatch(
        /^(img-src|style-src-elem) https:\/\/(apollo-server-landing-page\.cdn\.apollographql|fonts\.googleapis)\.com\//,
      );
  });
});
