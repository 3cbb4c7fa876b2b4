import type { Response } from 'express';
import type { AppConfig } from '../config/app-config';
import type { StartedLogin } from './login-state.service';

/** Sends the browser to the IdP with the login's browser-binding cookie (see LoginStateService). */
export function redirectToIdp(
  response: Response,
  config: Pick<AppConfig, 'publicUrl'>,
  { url, login }: { url: URL; login: StartedLogin },
): void {
  response.cookie(login.bindingCookieName, login.bindingCookieValue, {
    httpOnly: true,
    // Lax: the IdP's redirect back is a top-level cross-site GET, which Strict would strip.
    sameSite: 'lax',
    secure: config.publicUrl.startsWith('https:'),
    path: '/sso/callback/',
    maxAge: login.maxAgeMs,
  });
  response.setHeader('Cache-Control', 'no-store');
  response.redirect(302, url.href);
}

/** Where a refused continued login goes on: its continuation, naming the callback error code. */
export function continuationWithError(continuation: string, code: string): string {
  const url = new URL(continuation);
  url.searchParams.set('error', code);
  return url.href;
}
