// The limit: a bare relying party on plain node:http + openid-client, no database, no framework.
// It does what the service does on the wire, with the same checks: state, PKCE S256, nonce, a
// browser-binding cookie, the ID token's claims and its RS256 signature against the IdP's JWKS
// (enableNonRepudiationChecks), and an ES256 session token signed and verified with jose.
// It also answers the roles API's JSON from memory. Run by bench/run.mjs with
// BENCH_ISSUER, BENCH_CLIENT_ID, BENCH_CLIENT_SECRET, BENCH_API_KEY; prints nothing.
import { createServer } from 'node:http';
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import * as oidc from 'openid-client';
import { SignJWT, jwtVerify, generateKeyPair } from 'jose';

const issuer = process.env.BENCH_ISSUER;
const clientId = process.env.BENCH_CLIENT_ID;
const clientSecret = process.env.BENCH_CLIENT_SECRET;
const apiKey = process.env.BENCH_API_KEY ?? '';
const port = Number(process.env.PORT ?? 0);

const config = await oidc.discovery(new URL(issuer), clientId, undefined, oidc.ClientSecretPost(clientSecret), {
  execute: [oidc.allowInsecureRequests, oidc.enableNonRepudiationChecks],
});
const { privateKey, publicKey } = await generateKeyPair('ES256');
const kid = randomUUID();
const logins = new Map();
const sha256 = (value) => createHash('sha256').update(value).digest();

let base;

function cookiesOf(req) {
  const out = {};
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

function send(res, status, headers, body = '') {
  res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

async function initiate(req, res, url, connectionId) {
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const binding = randomBytes(32).toString('base64url');
  logins.set(state, { connectionId, nonce, codeVerifier, binding: sha256(binding), expiresAt: Date.now() + 600_000 });
  const parameters = {
    redirect_uri: `${base}/sso/callback/${connectionId}`,
    scope: 'openid email profile',
    state,
    nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
  };
  const hint = url.searchParams.get('login_hint');
  if (hint) parameters.login_hint = hint;
  const cookieName = `sso_login_${sha256(state).toString('hex').slice(0, 16)}`;
  return {
    status: 302,
    headers: {
      location: oidc.buildAuthorizationUrl(config, parameters).href,
      'set-cookie': `${cookieName}=${binding}; Max-Age=600; Path=/sso/callback/; HttpOnly; SameSite=Lax`,
      'cache-control': 'no-store',
    },
  };
}

async function callback(req, res, url, connectionId) {
  const state = url.searchParams.get('state') ?? '';
  const login = logins.get(state);
  logins.delete(state);
  const cookieName = `sso_login_${sha256(state).toString('hex').slice(0, 16)}`;
  const binding = cookiesOf(req)[cookieName];
  if (
    !login ||
    login.expiresAt < Date.now() ||
    login.connectionId !== connectionId ||
    !binding ||
    !timingSafeEqual(login.binding, sha256(binding))
  ) {
    return { status: 400, headers: { 'content-type': 'application/json' }, body: '{"error":"invalid_state"}' };
  }
  const callbackUrl = new URL(`${base}/sso/callback/${connectionId}`);
  callbackUrl.search = url.search;
  const exchangeStarted = performance.now();
  const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
    pkceCodeVerifier: login.codeVerifier,
    expectedState: state,
    expectedNonce: login.nonce,
    idTokenExpected: true,
  });
  res.idpMs = performance.now() - exchangeStarted;
  const claims = tokens.claims();
  if (!claims || typeof claims.email !== 'string' || claims.email_verified === false) {
    return { status: 400, headers: { 'content-type': 'application/json' }, body: '{"error":"email_missing"}' };
  }
  const token = await new SignJWT({
    org: connectionId,
    roles: ['editor'],
    email: claims.email,
    given_name: claims.given_name,
    family_name: claims.family_name,
  })
    .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
    .setSubject(String(claims.sub))
    .setJti(randomUUID())
    .setIssuer(base)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(privateKey);
  return {
    status: 302,
    headers: {
      location: `${base}/auth/me`,
      'set-cookie': [
        `${cookieName}=; Path=/sso/callback/; Expires=Thu, 01 Jan 1970 00:00:00 GMT`,
        `sso_session=${token}; Path=/; HttpOnly; SameSite=Lax`,
      ],
      'cache-control': 'no-store',
    },
  };
}

async function me(req) {
  const token = cookiesOf(req).sso_session ?? /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
  try {
    const { payload } = await jwtVerify(token ?? '', publicKey, { issuer: base, algorithms: ['ES256'] });
    const body = JSON.stringify({
      user: { id: payload.sub, email: payload.email, firstName: payload.given_name, lastName: payload.family_name },
      organization: { id: payload.org, slug: 'bare' },
      roles: payload.roles,
    });
    return { status: 200, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }, body };
  } catch {
    return { status: 401, headers: { 'content-type': 'application/json' }, body: '{"error":"unauthenticated"}' };
  }
}

function roles(req, organizationId, userId) {
  if (req.headers.authorization !== `Bearer ${apiKey}`) return { status: 401, headers: {}, body: '' };
  const body = JSON.stringify({ userId, organizationId, roles: ['editor'], resources: ['*'] });
  return { status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body };
}

const server = createServer(async (req, res) => {
  const started = performance.now();
  const url = new URL(req.url, base);
  let out;
  try {
    const parts = url.pathname.split('/');
    if (parts[1] === 'sso' && parts[2] === 'initiate') out = await initiate(req, res, url, parts[3]);
    else if (parts[1] === 'sso' && parts[2] === 'callback') out = await callback(req, res, url, parts[3]);
    else if (url.pathname === '/auth/me') out = await me(req);
    else if (parts[1] === 'v1' && parts[2] === 'organizations' && parts[4] === 'users' && parts[6] === 'roles')
      out = roles(req, parts[3], parts[5]);
    else if (url.pathname === '/health') out = { status: 200, headers: { 'content-type': 'application/json' }, body: '{"status":"ok"}' };
    else out = { status: 404, headers: {}, body: '' };
  } catch (error) {
    out = { status: 500, headers: { 'content-type': 'text/plain' }, body: String(error) };
  }
  const timing = `app;dur=${(performance.now() - started).toFixed(2)}${res.idpMs !== undefined ? `, idp;dur=${res.idpMs.toFixed(2)}` : ''}`;
  send(res, out.status, { ...out.headers, 'server-timing': timing }, out.body);
});
server.keepAliveTimeout = 60_000;

setInterval(() => {
  const now = Date.now();
  for (const [state, login] of logins) if (login.expiresAt < now) logins.delete(state);
}, 10_000).unref();

server.listen(port, '127.0.0.1', () => {
  base = `http://127.0.0.1:${server.address().port}`;
  process.send?.({ ready: true, url: base });
});
process.on('disconnect', () => process.exit(0));
