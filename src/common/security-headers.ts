import helmet from 'helmet';
import type { RequestHandler } from 'express';
import { PAGE_STYLE_SOURCES } from './html';

/**
 * helmet on every response. The pages are server-rendered with two hashed style blocks, or the
 * setup portal's own stylesheet and script files (no inline script anywhere), so the policy can forbid everything else; none of them may be framed (clickjacking a
 * sign-in or a confirmation button). `no-referrer` keeps codes, states and link tokens in a URL
 * from leaking to the next site. HSTS only where the service is served over https.
 *
 * The one exception is the GraphQL IDE's landing page outside production, which loads Apollo
 * Sandbox from Apollo's CDN: graphql-ide.ts replaces the policy for that answer only.
 *
 * form-action is left out on purpose: browsers apply it to the redirects after a submission, and
 * the sign-in forms end at the application's (allowed) origin or at an IdP.
 */
export function securityHeaders(options: { https: boolean }): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        // The setup portal's stylesheet and copy-button script are files of this service.
        styleSrc: [...PAGE_STYLE_SOURCES, "'self'"],
        scriptSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        baseUri: ["'none'"],
        frameAncestors: ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: options.https ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    xContentTypeOptions: true,
  }) as RequestHandler;
}
