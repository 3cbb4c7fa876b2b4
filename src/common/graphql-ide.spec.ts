import { describe, expect, it } from '@jest/globals';
import type { ApolloServerPlugin, GraphQLServerContext, GraphQLServerListener } from '@apollo/server';
import { graphqlIdePlugins, graphqlIdePolicy, landingPageNonce } from './graphql-ide';

/** The landing page exactly as Apollo renders it for one request. */
async function renderedLandingPage(): Promise<string> {
  const [plugin] = graphqlIdePlugins(false) as unknown as ApolloServerPlugin[];
  const listener = (await plugin.serverWillStart!({} as GraphQLServerContext)) as GraphQLServerListener;
  const page = await listener.renderLandingPage!();
  return typeof page.html === 'string' ? page.html : page.html();
}

describe('the GraphQL IDE', () => {
  it('is no plugin at all in production', () => {
    expect(graphqlIdePlugins(true)).toEqual([]);
  });

  it('finds the nonce that every inline script and style block of Apollo’s page carries', async () => {
    const page = await renderedLandingPage();
    const nonce = landingPageNonce('text/html; charset=utf-8', page);
    expect(nonce).toMatch(/^[0-9a-f]{64}$/);
    const inlineBlocks = [...page.matchAll(/<(script|style)\b([^>]*)>/g)].filter(([, , attributes]) => !attributes.includes('src='));
    expect(inlineBlocks.length).toBeGreaterThan(0);
    for (const [, , attributes] of inlineBlocks) expect(attributes).toMatch(new RegExp(`nonce="?${nonce}"?`));
    expect(landingPageNonce('text/html', Buffer.from(page))).toBe(nonce);
  });

  it('allows the origins the page loads from, and no others', async () => {
    const page = await renderedLandingPage();
    const policy = graphqlIdePolicy(landingPageNonce('text/html', page)!);
    const external = [...page.matchAll(/<script[^>]* src="(https:\/\/[^/"]+)\//g)].map(([, origin]) => origin);
    expect(external).toEqual(['https://embeddable-sandbox.cdn.apollographql.com']);
    expect(policy).toContain(`script-src 'nonce-${landingPageNonce('text/html', page)}' ${external[0]}`);
    expect(policy).toContain('frame-src https://sandbox.embed.apollographql.com');
    expect(policy).toContain("default-src 'none'");
    expect(policy).not.toMatch(/unsafe-|\*/);
  });

  it('finds no nonce in any other answer', () => {
    const json = JSON.stringify({
      data: { x: '<meta http-equiv="Content-Security-Policy" content="script-src \'nonce-' + 'a'.repeat(64) + '\'">' },
    });
    expect(landingPageNonce('application/json', json)).toBeUndefined();
    expect(landingPageNonce('text/html', '<html><p>an error page</p></html>')).toBeUndefined();
    expect(landingPageNonce(undefined, undefined)).toBeUndefined();
  });
});
