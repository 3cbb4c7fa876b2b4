// A lean OpenID Provider for the benchmark: discovery, JWKS, an authorization endpoint that signs
// the user named by login_hint in at once (no page, no consent), and a token endpoint that checks
// client_secret_post, the code's redirect_uri and PKCE S256, and returns an RS256 ID token.
//
// Why not test/support/test-idp.ts (oidc-provider)? It answers a login in five HTTP hops with
// cookies and interaction records (its in-memory adapter scans the whole store per lookup), so
// at a few hundred logins per second the IdP, not the relying party, would be what is measured.
// This one costs two hops and one RSA signature per login. Run: node bench/idp.mjs [port].
import { createServer } from 'node:http';
import { createHash, generateKeyPairSync, randomBytes, randomUUID, sign } from 'node:crypto';

const CLIENT_SECRET = process.env.BENCH_IDP_CLIENT_SECRET ?? 'bench-client-secret-0123456789';
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const kid = randomUUID();
const publicJwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
const codes = new Map();

const b64url = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const headerB64 = b64url({ alg: 'RS256', typ: 'JWT', kid });

function idToken(claims) {
  const input = `${headerB64}.${b64url(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
}

function json(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const server = createServer(async (req, res) => {
  const url = new URL(req.url, issuer);
  try {
    if (url.pathname === '/.well-known/openid-configuration') {
      return json(res, 200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
        code_challenge_methods_supported: ['S256'],
        authorization_response_iss_parameter_supported: true,
        scopes_supported: ['openid', 'email', 'profile'],
      });
    }
    if (url.pathname === '/jwks') return json(res, 200, { keys: [publicJwk] });
    if (url.pathname === '/authorize') {
      const q = url.searchParams;
      const email = q.get('login_hint');
      const redirectUri = q.get('redirect_uri');
      if (
        !email ||
        !redirectUri ||
        q.get('response_type') !== 'code' ||
        q.get('code_challenge_method') !== 'S256' ||
        !q.get('code_challenge')
      ) {
        return json(res, 400, { error: 'invalid_request' });
      }
      const code = randomBytes(24).toString('base64url');
      codes.set(code, {
        clientId: q.get('client_id'),
        redirectUri,
        nonce: q.get('nonce'),
        challenge: q.get('code_challenge'),
        email,
        expiresAt: Date.now() + 60_000,
      });
      const target = new URL(redirectUri);
      target.searchParams.set('code', code);
      if (q.get('state')) target.searchParams.set('state', q.get('state'));
      target.searchParams.set('iss', issuer);
      res.writeHead(302, { location: target.href, 'cache-control': 'no-store', 'content-length': 0 });
      return res.end();
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      const form = new URLSearchParams(await readBody(req));
      let clientId = form.get('client_id');
      let secret = form.get('client_secret');
      const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
      if (basic) [clientId, secret] = Buffer.from(basic[1], 'base64').toString().split(':').map(decodeURIComponent);
      const grant = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      if (secret !== CLIENT_SECRET) return json(res, 401, { error: 'invalid_client' });
      if (!grant || grant.expiresAt < Date.now() || grant.clientId !== clientId || grant.redirectUri !== form.get('redirect_uri')) {
        return json(res, 400, { error: 'invalid_grant' });
      }
      const verifier = form.get('code_verifier') ?? '';
      if (createHash('sha256').update(verifier).digest('base64url') !== grant.challenge)
        return json(res, 400, { error: 'invalid_grant', error_description: 'PKCE' });
      const now = Math.floor(Date.now() / 1000);
      const local = grant.email.split('@')[0];
      const token = idToken({
        iss: issuer,
        sub: grant.email,
        aud: clientId,
        iat: now,
        exp: now + 300,
        nonce: grant.nonce ?? undefined,
        email: grant.email,
        email_verified: true,
        given_name: `Given ${local}`,
        family_name: 'Bench',
        groups: ['bench-engineers'],
      });
      return json(res, 200, {
        access_token: randomBytes(24).toString('base64url'),
        token_type: 'Bearer',
        expires_in: 300,
        id_token: token,
        scope: 'openid email profile',
      });
    }
    json(res, 404, { error: 'not_found' });
  } catch (error) {
    json(res, 500, { error: 'server_error', error_description: String(error) });
  }
});
server.keepAliveTimeout = 60_000;

// Expired codes (logins abandoned between the hops) are swept now and then.
setInterval(() => {
  const now = Date.now();
  for (const [code, grant] of codes) if (grant.expiresAt < now) codes.delete(code);
}, 10_000).unref();

let issuer;
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  issuer = `http://127.0.0.1:${server.address().port}`;
  if (process.send) process.send({ ready: true, issuer, clientSecret: CLIENT_SECRET });
  else console.log(`bench IdP at ${issuer}`);
});
process.on('disconnect', () => process.exit(0));
