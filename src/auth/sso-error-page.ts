import type { Request, Response } from 'express';
import { explain, SsoErrorCode } from './sso-login.error';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!);
}

/** A failed sign-in: JSON for programs, a short page for people; never a token or a stack. */
export function sendSsoError(request: Request, response: Response, code: SsoErrorCode, correlationId: string, hint?: string): void {
  const { status, title, advice } = explain(code);
  response.status(status).setHeader('Cache-Control', 'no-store');
  if (request.accepts(['html', 'json']) === 'json') {
    response.json({ error: code, message: title, correlationId, ...(hint ? { hint } : {}) });
    return;
  }
  response.type('html').send(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign-in failed</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1f2328}code{background:#f1f3f5;padding:.1rem .3rem;border-radius:4px}</style>
</head><body>
<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(advice)}</p>
${hint ? `<p>${escapeHtml(hint)}</p>\n` : ''}<p>Error code: <code>${escapeHtml(code)}</code><br>Reference: <code>${escapeHtml(correlationId)}</code></p>
</body></html>`);
}
