/**
 * A deliberately minimal OpenID Provider on node:http for negative tests: it signs in whoever asks (no UI),
 * and its token endpoint can hand out ID tokens with one chosen defect, fail, or stall. Everything about it
 * can be changed between requests through `behaviour`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

export type IdTokenDefect =
  | 'none'
  | 'alg-none'
  | 'bad-signature'
  | 'wrong-iss'
  | 'wrong-aud'
  | 'expired'
  | 'issued-in-future'
  | 'nonce-mismatch'
  | 'nonce-missing'
  | 'unknown-kid'
  | 'wrong-azp';

export interface RogueIdpBehaviour {
  defect: IdTokenDefect;
  /** Merged into the ID token after the standard claims, so it can override them (sub defaults to 'rogue-user'). */
  claims: Record<string, unknown>;
  /** Userinfo response body. Default: sub plus `claims`. */
  userinfo?: Record<string, unknown>;
  /** The token endpoint answers with this instead of tokens (e.g. 401 {error:'invalid_client'}, 500). */
  tokenError?: { status: number; body: unknown };
  /** The token endpoint waits this long before answering (applies to tokenError too). */
  tokenDelayMs?: number;
  /** /authorize redirects back with ?error=<this>&state=... */
  authorizeError?: string;
  /** RFC 9207: leave `iss` out of the authorization response... */
  omitIssParameter?: boolean;
  /** ...or send another issuer's value. */
  wrongIssParameter?: boolean;
  /**
   * Value of `authorization_response_iss_parameter_supported` in discovery (default true). Relying parties
   * read discovery once, so change it before they discover.
   */
  advertiseIssParameter?: boolean;
  /** Serves a Graph-like `<origin>/v1.0/me/getMemberObjects` (for Entra's groups overage) that needs the access token. */
  groupsSource?: { groups: string[] };
}

export interface RogueIdp {
  issuer: string;
  origin: string;
  discoveryUrl: string;
  authorizationUrl: string;
  tokenUrl: string;
  jwksUrl: string;
  userinfoUrl: string;
  /** Mutable between requests. */
  behaviour: RogueIdpBehaviour;
  /**
   * A new RSA key signs from now on and is published in the JWKS. The previous key is dropped from the JWKS
   * unless keepPrevious is set.
   */
  rotateSigningKey(options?: { keepPrevious?: boolean }): Promise<void>;
  /** Every request received, in order (path without query string). */
  requests: { path: string; at: number }[];
  /** Fetches the authorization request (it redirects at once) and returns the redirect URL. */
  signIn(authorizationRequestUrl: string): Promise<string>;
  close(): Promise<void>;
}

export interface StartRogueIdpOptions {
  /** Path of the issuer under the origin, e.g. '/tenant-id/v2.0'. Default: none. */
  issuerPath?: string;
  /** When set, authorization and token requests from any other client are refused. */
  clientId?: string;
}

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

interface PendingCode {
  clientId: string;
  redirectUri: string;
  nonce?: string;
  codeChallenge?: string;
}

const DEFAULT_SUB = 'rogue-user';
const OTHER_CLIENT = 'some-other-client';
const ONE_HOUR = 3600;

async function generateSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const kid = randomBytes(8).toString('hex');
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

/** RFC 6749 §2.3.1: Basic credentials are form-encoded before base64. */
function clientCredentials(req: IncomingMessage, form: URLSearchParams): { clientId?: string; secret?: string } {
  const authorization = req.headers.authorization;
  if (authorization?.startsWith('Basic ')) {
    const decoded = Buffer.from(authorization.slice(6), 'base64').toString('utf8');
    const separator = decoded.indexOf(':');
    const decode = (part: string) => decodeURIComponent(part.replace(/\+/g, ' '));
    return { clientId: decode(decoded.slice(0, separator)), secret: decode(decoded.slice(separator + 1)) };
  }
  return { clientId: form.get('client_id') ?? undefined, secret: form.get('client_secret') ?? undefined };
}

function bearerToken(req: IncomingMessage): string | undefined {
  const authorization = req.headers.authorization;
  return authorization?.startsWith('Bearer ') ? authorization.slice(7) : undefined;
}

export async function startRogueIdp(options: StartRogueIdpOptions = {}): Promise<RogueIdp> {
  const issuerPath = options.issuerPath?.replace(/\/$/, '') ?? '';
  let signingKey = await generateSigningKey();
  let publishedKeys = [signingKey];
  // Signs 'unknown-kid' tokens; never published.
  const strayKey = await generateSigningKey();
  const pendingCodes = new Map<string, PendingCode>();
  const accessTokens = new Set<string>();
  const requests: { path: string; at: number }[] = [];

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: 'server_error', error_description: String(error) });
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = `${origin}${issuerPath}`;
  const endpoints = {
    discovery: `${issuer}/.well-known/openid-configuration`,
    authorization: `${issuer}/authorize`,
    token: `${issuer}/token`,
    jwks: `${issuer}/jwks`,
    userinfo: `${issuer}/userinfo`,
    groupsSource: `${origin}/v1.0/me/getMemberObjects`,
  };

  const idp: RogueIdp = {
    issuer,
    origin,
    discoveryUrl: endpoints.discovery,
    authorizationUrl: endpoints.authorization,
    tokenUrl: endpoints.token,
    jwksUrl: endpoints.jwks,
    userinfoUrl: endpoints.userinfo,
    behaviour: { defect: 'none', claims: {} },
    requests,
    rotateSigningKey: async ({ keepPrevious = false } = {}) => {
      signingKey = await generateSigningKey();
      publishedKeys = [signingKey, ...(keepPrevious ? publishedKeys : [])];
    },
    signIn: async (authorizationRequestUrl) => {
      const response = await fetch(authorizationRequestUrl, { redirect: 'manual' });
      const location = response.headers.get('location');
      if (!location) {
        throw new Error(`rogue IdP answered ${response.status} without a redirect: ${await response.text()}`);
      }
      return new URL(location, authorizationRequestUrl).href;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };

  const issueIdToken = async ({ clientId, nonce }: PendingCode): Promise<string> => {
    const { defect, claims } = idp.behaviour;
    const now = Math.floor(Date.now() / 1000);
    const payload: JWTPayload = {
      iss: issuer,
      sub: DEFAULT_SUB,
      aud: clientId,
      iat: now,
      exp: now + ONE_HOUR,
      ...(nonce === undefined ? {} : { nonce }),
      ...claims,
    };
    switch (defect) {
      case 'wrong-iss':
        payload.iss = `${origin}/some-other-issuer`;
        break;
      case 'wrong-aud':
        payload.aud = OTHER_CLIENT;
        break;
      case 'expired':
        payload.iat = now - 2 * ONE_HOUR;
        payload.exp = now - ONE_HOUR;
        break;
      case 'issued-in-future':
        payload.iat = now + 24 * ONE_HOUR;
        payload.exp = now + 25 * ONE_HOUR;
        break;
      case 'nonce-mismatch':
        payload.nonce = randomBytes(16).toString('base64url');
        break;
      case 'nonce-missing':
        delete payload.nonce;
        break;
      case 'wrong-azp':
        payload.aud = [clientId, OTHER_CLIENT];
        payload.azp = OTHER_CLIENT;
        break;
      case 'alg-none':
        return new UnsecuredJWT(payload).encode();
    }
    const key = defect === 'unknown-kid' ? strayKey : signingKey;
    const jwt = await new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' }).sign(key.privateKey);
    if (defect !== 'bad-signature') return jwt;
    const [header, body, signature] = jwt.split('.');
    const corrupted = Buffer.from(signature, 'base64url');
    corrupted[0] ^= 0xff;
    return [header, body, corrupted.toString('base64url')].join('.');
  };

  const authorize = (res: ServerResponse, params: URLSearchParams) => {
    const clientId = params.get('client_id');
    const redirectUri = params.get('redirect_uri');
    // Without a trusted client and redirect_uri an error must not be sent back by redirect (RFC 6749 §4.1.2.1).
    if (!clientId || !redirectUri || (options.clientId !== undefined && clientId !== options.clientId)) {
      sendJson(res, 400, { error: 'invalid_request', error_description: 'unknown client_id or missing redirect_uri' });
      return;
    }
    const target = new URL(redirectUri);
    const { authorizeError, omitIssParameter, wrongIssParameter } = idp.behaviour;
    if (authorizeError) {
      target.searchParams.set('error', authorizeError);
    } else {
      const code = randomBytes(24).toString('base64url');
      pendingCodes.set(code, {
        clientId,
        redirectUri,
        nonce: params.get('nonce') ?? undefined,
        codeChallenge: params.get('code_challenge') ?? undefined,
      });
      target.searchParams.set('code', code);
    }
    const state = params.get('state');
    if (state !== null) target.searchParams.set('state', state);
    if (!omitIssParameter) target.searchParams.set('iss', wrongIssParameter ? `${origin}/some-other-issuer` : issuer);
    res.writeHead(302, { location: target.href }).end();
  };

  const token = async (req: IncomingMessage, res: ServerResponse) => {
    const form = new URLSearchParams(await readBody(req));
    const { tokenDelayMs, tokenError } = idp.behaviour;
    if (tokenDelayMs) await new Promise((resolve) => setTimeout(resolve, tokenDelayMs));
    if (tokenError) {
      sendJson(res, tokenError.status, tokenError.body);
      return;
    }
    const { clientId } = clientCredentials(req, form);
    if (!clientId || (options.clientId !== undefined && clientId !== options.clientId)) {
      sendJson(res, 401, { error: 'invalid_client' }, { 'www-authenticate': 'Basic realm="rogue-idp"' });
      return;
    }
    if (form.get('grant_type') !== 'authorization_code') {
      sendJson(res, 400, { error: 'unsupported_grant_type' });
      return;
    }
    const code = form.get('code') ?? '';
    const pending = pendingCodes.get(code);
    // Codes are single use even when the redemption fails.
    pendingCodes.delete(code);
    const verifier = form.get('code_verifier');
    const pkceMatches =
      pending?.codeChallenge === undefined
        ? verifier === null
        : verifier !== null && createHash('sha256').update(verifier).digest('base64url') === pending.codeChallenge;
    if (!pending || pending.clientId !== clientId || pending.redirectUri !== form.get('redirect_uri') || !pkceMatches) {
      sendJson(res, 400, { error: 'invalid_grant' });
      return;
    }
    const accessToken = randomBytes(32).toString('base64url');
    accessTokens.add(accessToken);
    sendJson(res, 200, {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: ONE_HOUR,
      id_token: await issueIdToken(pending),
    });
  };

  /** Answers 401 and returns false unless the request carries an access token this IdP issued. */
  const requireAccessToken = (req: IncomingMessage, res: ServerResponse): boolean => {
    const presented = bearerToken(req);
    if (presented !== undefined && accessTokens.has(presented)) return true;
    sendJson(res, 401, { error: 'invalid_token' }, { 'www-authenticate': 'Bearer error="invalid_token"' });
    return false;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', origin);
    requests.push({ path: url.pathname, at: Date.now() });
    const { behaviour } = idp;
    switch (`${req.method} ${origin}${url.pathname}`) {
      case `GET ${endpoints.discovery}`:
        sendJson(res, 200, {
          issuer,
          authorization_endpoint: endpoints.authorization,
          token_endpoint: endpoints.token,
          jwks_uri: endpoints.jwks,
          userinfo_endpoint: endpoints.userinfo,
          response_types_supported: ['code'],
          grant_types_supported: ['authorization_code'],
          subject_types_supported: ['public'],
          scopes_supported: ['openid', 'email', 'profile'],
          id_token_signing_alg_values_supported: ['RS256'],
          code_challenge_methods_supported: ['S256'],
          token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
          authorization_response_iss_parameter_supported: behaviour.advertiseIssParameter ?? true,
        });
        return;
      case `GET ${endpoints.jwks}`:
        sendJson(res, 200, { keys: publishedKeys.map(({ publicJwk }) => publicJwk) });
        return;
      case `GET ${endpoints.authorization}`:
        authorize(res, url.searchParams);
        return;
      case `POST ${endpoints.token}`:
        await token(req, res);
        return;
      case `GET ${endpoints.userinfo}`:
      case `POST ${endpoints.userinfo}`:
        if (requireAccessToken(req, res)) {
          sendJson(res, 200, behaviour.userinfo ?? { sub: DEFAULT_SUB, ...behaviour.claims });
        }
        return;
      case `GET ${endpoints.groupsSource}`:
      case `POST ${endpoints.groupsSource}`:
        if (!behaviour.groupsSource) break;
        if (requireAccessToken(req, res)) {
          sendJson(res, 200, { value: behaviour.groupsSource.groups.map((id) => ({ id })) });
        }
        return;
    }
    sendJson(res, 404, { error: 'not_found' });
  };

  return idp;
}
