import type { Request, Response } from 'express';
import { explain, explainTransportFailure, type SsoLoginError } from './sso-login.error';
import { escapeHtml, htmlPage } from '../common/html';

export interface ErrorPage {
  status: number;
  code: string;
  title: string;
  advice: string;
  correlationId: string;
  /** What the service suspects went wrong, when it knows more than the code says. */
  hint?: string;
  /** A way forward, e.g. the organization's SSO sign-in: a link on the page, `href` under `jsonField` in JSON. */
  next?: { href: string; label: string; jsonField: string };
  /** JSON unless HTML is asked for by name (for API routes); by default HTML unless JSON is. */
  preferJson?: boolean;
}

/** A failed sign-in: JSON for programs, a short page for people; never a token or a stack. */
export function sendErrorPage(request: Request, response: Response, page: ErrorPage): void {
  response.status(page.status).setHeader('Cache-Control', 'no-store');
  if (request.accepts(page.preferJson ? ['json', 'html'] : ['html', 'json']) === 'json') {
    response.json({
      error: page.code,
      message: page.title,
      correlationId: page.correlationId,
      ...(page.hint ? { hint: page.hint } : {}),
      ...(page.next ? { [page.next.jsonField]: page.next.href } : {}),
    });
    return;
  }
  const hint = page.hint ? `\n<p>${escapeHtml(page.hint)}</p>` : '';
  const next = page.next ? `\n<p><a href="${escapeHtml(page.next.href)}">${escapeHtml(page.next.label)}</a></p>` : '';
  response.type('html').send(
    htmlPage(
      'Sign-in failed',
      `<h1>${escapeHtml(page.title)}</h1>
<p>${escapeHtml(page.advice)}</p>${hint}${next}
<p>Error code: <code>${escapeHtml(page.code)}</code><br>Reference: <code>${escapeHtml(page.correlationId)}</code></p>`,
    ),
  );
}

export function sendSsoError(request: Request, response: Response, error: SsoLoginError, correlationId: string): void {
  const explanation = { ...explain(error.code), ...(error.transport ? explainTransportFailure(error.transport) : {}) };
  sendErrorPage(request, response, { ...explanation, code: error.code, correlationId, hint: error.hint });
}
