import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { escapeHtml, htmlPage } from '../common/html';
import type { MagicLinkPreview } from './magic-links.service';

/**
 * A magic link signs in only from the page its GET shows, in the browser that opened it: the
 * page sets a secret in a SameSite=Strict cookie and puts the same secret in its form
 * (double-submit). Another site can make a browser POST a link to the attacker's own account,
 * but not with that cookie, so no one is signed in to an account without seeing it named and
 * pressing the button.
 */
export const CONFIRMATION_COOKIE_PREFIX = 'magic_link_confirm_';
export const CONFIRMATION_COOKIE_PATH = '/auth/magic-link/';

/** One cookie per link, so two links opened side by side do not undo each other. */
export function confirmationCookieName(token: string): string {
  return CONFIRMATION_COOKIE_PREFIX + createHash('sha256').update(token).digest('hex').slice(0, 16);
}

export function newConfirmationSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** The form's secret is the cookie's: both present, equal, compared in constant time. */
export function confirmationMatches(cookieValue: unknown, formValue: unknown): boolean {
  if (typeof cookieValue !== 'string' || typeof formValue !== 'string' || cookieValue.length === 0) return false;
  const cookie = Buffer.from(cookieValue);
  const form = Buffer.from(formValue);
  return cookie.length === form.length && timingSafeEqual(cookie, form);
}

/** The page a link opens: whose account it signs in to, and the one button that does it. */
export function confirmationPage(preview: MagicLinkPreview, action: string, token: string, secret: string): string {
  return htmlPage(
    'Sign in',
    `<h1>Sign in to ${escapeHtml(preview.organizationName)}</h1>
<p>You are about to sign in as <strong>${escapeHtml(preview.email)}</strong> in the organization <strong>${escapeHtml(preview.organizationName)}</strong>.</p>
<p>If you did not ask for this link, or this is not your account, close this page.</p>
<form method="post" action="${escapeHtml(action)}">
<input type="hidden" name="token" value="${escapeHtml(token)}">
<input type="hidden" name="confirmation" value="${escapeHtml(secret)}">
<button type="submit">Sign in as ${escapeHtml(preview.email)}</button>
</form>`,
  );
}
