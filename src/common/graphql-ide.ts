import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import type { ApolloDriverConfig } from '@nestjs/apollo';
import type { NextFunction, Request, Response } from 'express';

/** Where Apollo serves the GraphQL API (the driver's default path). */
export const GRAPHQL_PATH = '/graphql';

type ApolloPlugin = NonNullable<ApolloDriverConfig['plugins']>[number];

/**
 * Outside production, GET /graphql in a browser opens Apollo Sandbox (the schema with its
 * descriptions, and a query editor); production shows no landing page at all. (The cast bridges
 * @apollo/server's ESM and CommonJS type declarations of one plugin type.)
 */
export function graphqlIdePlugins(production: boolean): ApolloPlugin[] {
  return production ? [] : [ApolloServerPluginLandingPageLocalDefault({ embed: true }) as unknown as ApolloPlugin];
}

// What the Sandbox embed of @apollo/server's landing page loads (plugin/landingPage/default): its
// script from this CDN, and the Sandbox itself in a frame from this origin.
const SANDBOX_SCRIPT_ORIGIN = 'https://embeddable-sandbox.cdn.apollographql.com';
const SANDBOX_FRAME_ORIGIN = 'https://sandbox.embed.apollographql.com';

/**
 * The Content-Security-Policy of the landing page, and of nothing else. Its inline script and
 * style blocks run by the nonce Apollo gives each rendering (the page repeats it in its own meta
 * policy); the embed relays the Sandbox's operations from this page to this endpoint, hence
 * connect-src 'self'. The page's favicon, manifest and web font stay blocked: cosmetic, and each
 * would be one more third-party origin.
 */
export function graphqlIdePolicy(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}' ${SANDBOX_SCRIPT_ORIGIN}`,
    `style-src 'nonce-${nonce}' ${SANDBOX_SCRIPT_ORIGIN}`,
    `frame-src ${SANDBOX_FRAME_ORIGIN}`,
    "connect-src 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

const PAGE_NONCE = /<meta http-equiv="Content-Security-Policy" content="[^"]*'nonce-([0-9a-f]{32,128})'/;

/** The nonce of Apollo's landing page, when `body` is that page; undefined for any other answer. */
export function landingPageNonce(contentType: unknown, body: unknown): string | undefined {
  if (typeof contentType !== 'string' || !contentType.startsWith('text/html')) return undefined;
  const text = typeof body === 'string' ? body : Buffer.isBuffer(body) ? body.toString('utf8') : undefined;
  return text === undefined ? undefined : PAGE_NONCE.exec(text)?.[1];
}

/**
 * Mounted on GRAPHQL_PATH outside production, after the security headers: when the answer to a GET
 * is the landing page, its strict policy gives way to graphqlIdePolicy. The nonce is only known
 * once Apollo rendered the page, so the header is set as the body is sent; every other answer
 * (the JSON API, errors) keeps the strict policy.
 */
export function graphqlIdeHeaders(request: Request, response: Response, next: NextFunction): void {
  if (request.method !== 'GET') return next();
  const end = response.end.bind(response) as (...args: unknown[]) => Response;
  response.end = ((...args: unknown[]) => {
    const nonce = response.headersSent ? undefined : landingPageNonce(response.getHeader('content-type'), args[0]);
    if (nonce) response.setHeader('Content-Security-Policy', graphqlIdePolicy(nonce));
    return end(...args);
  }) as Response['end'];
  next();
}
