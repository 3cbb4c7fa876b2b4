/**
 * A product app as small as it gets: it signs people in with the SSO service as its OpenID Provider,
 * using only the discovery document (openid-client), and shows who signed in with which roles.
 * Used by `npm run demo` and by the browser test.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';

export interface DemoAppOptions {
  /** Default: a free port chosen by the OS. */
  port?: number;
}

export interface DemoApp {
  origin: string;
  redirectUri: string;
  postLogoutRedirectUri: string;
  initiateLoginUri: string;
  /** Discovers the provider; the app works from then on. */
  connect(provider: { issuer: string; clientId: string; clientSecret: string }): Promise<void>;
  close(): Promise<void>;
}

interface SignedIn {
  idToken: string;
  claims: Record<string, unknown>;
}

const escape = (text: string) => text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
const page = (body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Demo app</title></head><body style="font-family:system-ui;margin:4rem auto;max-width:36rem">${body}</body></html>`;

export async function startDemoApp(options: DemoAppOptions = {}): Promise<DemoApp> {
  let config: oidc.Configuration | undefined;
  let issuer = '';
  const pending = new Map<string, { verifier: string; nonce: string }>();
  const sessions = new Map<string, SignedIn>();

  const cookie = (req: IncomingMessage, name: string) => new RegExp(`(?:^|; )${name}=([^;]+)`).exec(req.headers.cookie ?? '')?.[1];
  const redirect = (res: ServerResponse, location: string, setCookie?: string) => {
    res.writeHead(302, { location, ...(setCookie ? { 'set-cookie': setCookie } : {}) }).end();
  };

  /** The authorization request: code flow with PKCE S256, state and nonce. */
  const signIn = async (res: ServerResponse, extra: Record<string, string>) => {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    pending.set(state, { verifier, nonce });
    const url = oidc.buildAuthorizationUrl(config!, {
      redirect_uri: app.redirectUri,
      scope: 'openid email profile',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      ...extra,
    });
    redirect(res, url.href, `demo_state=${state}; HttpOnly; SameSite=Lax; Path=/`);
  };

  const routes: Record<string, (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> | void> = {
    '/': (req, res) => {
      const signedIn = sessions.get(cookie(req, 'demo_session') ?? '');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(
        page(
          signedIn
            ? `<h1>Demo app</h1><p id="who">Signed in as <b>${escape(String(signedIn.claims.email))}</b> (${escape(String(signedIn.claims.given_name ?? ''))} ${escape(String(signedIn.claims.family_name ?? ''))})</p>
<p>Organization: <code id="org">${escape(String(signedIn.claims.org))}</code></p>
<p>Roles: <code id="roles">${escape((signedIn.claims.roles as string[]).join(', '))}</code></p>
<p><a id="sign-out" href="/logout">Sign out</a></p>`
            : `<h1>Demo app</h1><p>You are not signed in.</p><p><a id="sign-in" href="/login">Sign in with SSO</a></p>`,
        ),
      );
    },
    '/login': (_req, res, url) =>
      signIn(res, url.searchParams.get('login_hint') ? { login_hint: url.searchParams.get('login_hint')! } : {}),
    // OpenID Connect Core §4: a login initiated elsewhere (the SSO service, after an IdP-initiated login).
    '/initiate': async (_req, res, url) => {
      if (url.searchParams.get('iss') !== issuer) {
        res.writeHead(400).end('unknown issuer');
        return;
      }
      await signIn(res, {});
    },
    '/callback': async (req, res, url) => {
      const state = cookie(req, 'demo_state') ?? '';
      const login = pending.get(state);
      pending.delete(state);
      if (!login) {
        res.writeHead(400).end('no sign-in in progress');
        return;
      }
      if (url.searchParams.get('error')) {
        res
          .writeHead(403, { 'content-type': 'text/html; charset=utf-8' })
          .end(
            page(
              `<h1>Sign-in refused</h1><p id="error">${escape(url.searchParams.get('error')!)}: ${escape(url.searchParams.get('error_description') ?? '')}</p>`,
            ),
          );
        return;
      }
      const tokens = await oidc.authorizationCodeGrant(config!, new URL(url.pathname + url.search, app.origin), {
        pkceCodeVerifier: login.verifier,
        expectedState: state,
        expectedNonce: login.nonce,
        idTokenExpected: true,
      });
      const id = randomBytes(24).toString('base64url');
      sessions.set(id, { idToken: tokens.id_token!, claims: tokens.claims()! });
      redirect(res, '/', `demo_session=${id}; HttpOnly; SameSite=Lax; Path=/`);
    },
    '/logout': (req, res) => {
      const id = cookie(req, 'demo_session') ?? '';
      const signedIn = sessions.get(id);
      sessions.delete(id);
      if (!signedIn) return redirect(res, '/');
      redirect(
        res,
        oidc.buildEndSessionUrl(config!, { id_token_hint: signedIn.idToken, post_logout_redirect_uri: app.postLogoutRedirectUri }).href,
        'demo_session=; Max-Age=0; Path=/',
      );
    },
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', app.origin);
    const route = routes[url.pathname];
    if (!route) {
      res.writeHead(404).end();
      return;
    }
    if (!config) {
      res.writeHead(503).end('not connected to the SSO service yet');
      return;
    }
    Promise.resolve(route(req, res, url)).catch((error: unknown) => {
      if (!res.headersSent)
        res
          .writeHead(500, { 'content-type': 'text/plain' })
          .end(`sign-in failed: ${error instanceof Error ? error.message : String(error)}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const app: DemoApp = {
    origin,
    redirectUri: `${origin}/callback`,
    postLogoutRedirectUri: `${origin}/`,
    initiateLoginUri: `${origin}/initiate`,
    connect: async (provider) => {
      issuer = provider.issuer;
      const url = new URL(provider.issuer);
      // http is allowed only for a provider on this machine (the demo and the tests).
      const insecure = url.protocol === 'http:' && ['127.0.0.1', 'localhost'].includes(url.hostname);
      config = await oidc.discovery(
        url,
        provider.clientId,
        provider.clientSecret,
        undefined,
        insecure ? { execute: [oidc.allowInsecureRequests] } : undefined,
      );
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
  return app;
}
