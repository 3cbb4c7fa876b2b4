import { Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { RateLimitedError } from '../common/errors';
import { htmlPage } from '../common/html';
import { RateLimitsService, type RateLimit } from '../rate-limits/rate-limits.service';
import { INTERACTION_PATH } from './oidc-paths';

/** The provider's endpoints that have a per-IP limit of their own. */
export type LimitedEndpoint = 'token' | 'authorization' | 'interaction';

/**
 * Which per-IP limit a request under the provider's mount path counts against; undefined: none.
 * oidc-provider's router ignores the case of a path's letters and one trailing slash (/TOKEN/ is
 * /token), so the path is compared lower-cased and without its trailing slashes: a path it serves
 * as a limited endpoint always counts (a few it does not serve count too, which costs nothing).
 */
export function limitedEndpointOf(method: string, path: string): LimitedEndpoint | undefined {
  const routed = withoutTrailingSlashes(path.toLowerCase());
  if (routed === '/token') return method === 'POST' ? 'token' : undefined;
  // The authorization request and its resumption once the login is done (/auth/:uid).
  if (routed === '/auth' || routed.startsWith('/auth/')) return 'authorization';
  if (routed.startsWith(INTERACTION_PATH)) return 'interaction';
  return undefined;
}

/** Without a regular expression: /\/+$/ takes quadratic time on a path of many slashes. */
function withoutTrailingSlashes(path: string): string {
  let end = path.length;
  while (end > 0 && path.charCodeAt(end - 1) === 0x2f) end--;
  return path.slice(0, end);
}

/**
 * The token endpoint's refusal as OAuth errors come (RFC 6749 §5.2): JSON with `error`. There is
 * no registered code for "too many requests" (`slow_down` is RFC 8628's device polling signal), so
 * the generic `invalid_request` says the request cannot be served, and the status (429, RFC 6585)
 * with Retry-After says why and when to try again.
 */
export function tokenRefusal(retryAfterSeconds: number, cause: string): { error: string; error_description: string } {
  return { error: 'invalid_request', error_description: `${cause}; try again in ${retryAfterSeconds} seconds` };
}

/**
 * The OpenID Provider's rate limits, in the store every instance shares (RateLimitsService): per
 * client IP on the token endpoint, the authorization endpoint and the sign-in pages, and per
 * application on the token endpoint. The per-IP limits are counted before the provider sees the
 * request; the per-application one only once the application has authenticated (see
 * OidcProviderService), so that strangers naming an app's client id cannot spend its budget.
 */
@Injectable()
export class OidcRateLimits {
  private readonly perIp: Record<LimitedEndpoint, RateLimit>;
  private readonly tokenPerClient: RateLimit;

  constructor(rateLimits: RateLimitsService, @Inject(APP_CONFIG) config: AppConfig) {
    const limits = config.oidcRateLimits;
    const perMinute = (name: string, points: number) => rateLimits.limit({ name, points, durationSeconds: 60 });
    this.perIp = {
      token: perMinute('oidc_token_ip', limits.tokenPerIp),
      authorization: perMinute('oidc_authorization_ip', limits.authorizationPerIp),
      interaction: perMinute('oidc_interaction_ip', limits.interactionPerIp),
    };
    this.tokenPerClient = perMinute('oidc_token_client', limits.tokenPerClient);
  }

  /**
   * Counts a request under /oidc against its endpoint's per-IP limit. Past it, answers 429 with
   * Retry-After itself (the OAuth error at the token endpoint, a page for browsers) and returns false.
   */
  async admit(request: Request, response: Response): Promise<boolean> {
    const endpoint = limitedEndpointOf(request.method, request.path);
    if (!endpoint) return true;
    try {
      await this.perIp[endpoint].consume(request.ip ?? 'unknown');
      return true;
    } catch (error) {
      if (!(error instanceof RateLimitedError)) throw error;
      response.status(429).setHeader('Retry-After', String(error.retryAfterSeconds));
      response.setHeader('Cache-Control', 'no-store');
      if (endpoint === 'token') response.json(tokenRefusal(error.retryAfterSeconds, 'too many token requests from this address'));
      else sendBrowserRefusal(request, response, error.retryAfterSeconds);
      return false;
    }
  }

  /** Counts an authenticated application's token request against its limit: the seconds to wait when past it. */
  async countTokenRequest(clientId: string): Promise<number | undefined> {
    try {
      await this.tokenPerClient.consume(clientId);
      return undefined;
    } catch (error) {
      if (!(error instanceof RateLimitedError)) throw error;
      return error.retryAfterSeconds;
    }
  }
}

function sendBrowserRefusal(request: Request, response: Response, retryAfterSeconds: number): void {
  if (request.accepts(['json', 'html']) !== 'html') {
    response.json({ error: 'rate_limited', message: 'Too many requests; try again later', retryAfterSeconds });
    return;
  }
  response.type('html').send(
    htmlPage(
      'Too many sign-in requests',
      `<h1>Too many sign-in requests</h1>
<p>Too many sign-in requests came from your network in the last minute. Wait ${retryAfterSeconds} seconds, then try again.</p>
<p>Error code: <code>rate_limited</code></p>`,
    ),
  );
}
