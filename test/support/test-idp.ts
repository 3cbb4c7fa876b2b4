/**
 * A real OpenID Provider (oidc-provider 9) running in-process on 127.0.0.1, for e2e tests and the demo.
 *
 * It imitates the shape of three kinds of enterprise IdP (generic, Microsoft Entra ID, Okta) closely enough
 * for our service's discovery and claim mapping, keeps everything in memory, never shows a consent screen
 * and offers a small HTML login form that a real browser can fill in. `signIn()` drives the same endpoints
 * with plain fetch for tests that do not need a browser.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { exportJWK, generateKeyPair, type JWK } from 'jose';

export interface IdpAccount {
  sub: string;
  email?: string;
  email_verified?: boolean;
  given_name?: string;
  family_name?: string;
  groups?: string[];
  /** Only the HTML login form checks it; an account without one can only be signed in with `signIn()`. */
  password?: string;
  /**
   * Merged last into the ID token and userinfo claims, so it may also override standard or flavour claims
   * (e.g. a foreign `tid`). `_claim_names`/`_claim_sources` (distributed claims, such as Entra's groups
   * overage) are passed through as oidc-provider defines them. Any other claim name must be known when the
   * IdP starts: see `StartTestIdpOptions.extraClaimNames`.
   */
  extraClaims?: Record<string, unknown>;
}

export type IdpFlavour = 'generic' | 'entra' | 'okta';

export interface StartTestIdpOptions {
  flavour?: IdpFlavour;
  /** Entra only: the tenant in the issuer path and the `tid` claim. Default: a random UUID. */
  tenantId?: string;
  /** Okta only: a custom authorization server id (issuer `<origin>/oauth2/<id>`); default: the org server. */
  authorizationServerId?: string;
  accounts?: IdpAccount[];
  /** Default: a free port chosen by the OS. */
  port?: number;
  /** Heading and document title of the login page. */
  title?: string;
  /**
   * Names of extra claims that accounts added later with `setAccount()` will carry. oidc-provider fixes its
   * claim vocabulary at start-up and silently drops unknown claims, so they must be declared up front
   * (extraClaims of the initial `accounts` and a few common enterprise claims are declared automatically).
   */
  extraClaimNames?: string[];
  /**
   * The token endpoint authentication methods the IdP announces (oidc-provider's clientAuthMethods).
   * Default: oidc-provider's own list.
   */
  clientAuthMethods?: ClientAuthMethod[];
  /**
   * Enforce each client's registered method exactly, as Okta does: oidc-provider by itself takes
   * client_secret_post from a client registered for client_secret_basic and the other way round. A
   * Basic request that also carries client_id in its body is refused like Okta refuses it.
   */
  strictClientAuthentication?: boolean;
  /**
   * The ID token algorithms the IdP announces and can sign with (a signing key is made for each
   * asymmetric one; HS* use the client secret). Default: RS256 only. A client picks its own with
   * `idTokenSignedResponseAlg`.
   */
  idTokenSigningAlgValues?: string[];
}

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';

export interface TestIdpClient {
  clientId: string;
  /** Not needed by a private_key_jwt client. */
  clientSecret?: string;
  redirectUris: string[];
  /** Default client_secret_basic. */
  tokenEndpointAuthMethod?: ClientAuthMethod;
  /** Where a private_key_jwt client's public keys are (the service's clientJwksUri). */
  jwksUri?: string;
  /** Default RS256. */
  idTokenSignedResponseAlg?: string;
}

export interface TestIdp {
  issuer: string;
  discoveryUrl: string;
  authorizationUrl: string;
  tokenUrl: string;
  jwksUrl: string;
  userinfoUrl: string;
  /** http://127.0.0.1:PORT */
  origin: string;
  /** Usable immediately; registering the same clientId again replaces it. */
  registerClient(client: TestIdpClient): void;
  /** Adds or replaces (by sub) an account. */
  setAccount(account: IdpAccount): void;
  /**
   * Follows an authorization request through the login interaction as `sub` (no password needed, no consent)
   * and returns the first redirect that leaves the IdP: the client's redirect_uri with code, state and iss
   * (or with error). Pass the same jar to several calls to keep the IdP session (SSO): a later call then
   * returns a code for the account already signed in, whatever `sub` says, unless the request has prompt=login.
   */
  signIn(authorizationRequestUrl: string, sub: string, jar?: CookieJar): Promise<string>;
  /**
   * A new RSA key signs from now on and is published in the JWKS. The previous key is dropped from the JWKS
   * unless keepPrevious is set (an IdP in its overlap period). With sameKid, the new keys keep the old keys'
   * `kid`s (a bad practice some IdPs have). Sessions, codes and tokens survive.
   */
  rotateSigningKey(options?: { keepPrevious?: boolean; sameKid?: boolean }): Promise<void>;
  close(): Promise<void>;
}

/** Enough of a browser's cookie store to carry oidc-provider's session and interaction cookies. */
export class CookieJar {
  private readonly cookies = new Map<string, { name: string; value: string; path: string }>();

  store(setCookieHeaders: string[]): void {
    for (const header of setCookieHeaders) {
      const [pair, ...attributes] = header.split(';');
      const separator = pair.indexOf('=');
      const name = pair.slice(0, separator).trim();
      const value = pair.slice(separator + 1).trim();
      let path = '/';
      let expired = value === '';
      for (const attribute of attributes) {
        const [key, attributeValue = ''] = attribute.split('=').map((part) => part.trim());
        switch (key.toLowerCase()) {
          case 'path':
            path = attributeValue || '/';
            break;
          case 'max-age':
            expired ||= Number(attributeValue) <= 0;
            break;
          case 'expires':
            expired ||= Date.parse(attributeValue) <= Date.now();
            break;
        }
      }
      const key = `${path} ${name}`;
      if (expired) {
        this.cookies.delete(key);
      } else {
        this.cookies.set(key, { name, value, path });
      }
    }
  }

  headerFor(url: URL): string | undefined {
    const matching = [...this.cookies.values()].filter(
      ({ path }) => url.pathname === path || url.pathname.startsWith(path.endsWith('/') ? path : `${path}/`),
    );
    return matching.length ? matching.map(({ name, value }) => `${name}=${value}`).join('; ') : undefined;
  }
}

// oidc-provider 9 ships no type declarations; these describe the part of its API used here.
interface OidcProviderInteraction {
  uid: string;
  prompt: { name: string };
  params: Record<string, unknown>;
}
interface OidcProvider {
  callback(): (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<OidcProviderInteraction>;
  interactionFinished(req: IncomingMessage, res: ServerResponse, result: { login: { accountId: string } }): Promise<void>;
  on(event: 'server_error', listener: (ctx: unknown, error: unknown) => void): unknown;
}
type OidcProviderConstructor = new (issuer: string, configuration: Record<string, unknown>) => OidcProvider;
interface OidcGrant {
  addOIDCScope(scope: Set<string>): void;
  addOIDCClaims(claims: Set<string>): void;
  save(): Promise<string>;
}
interface AuthorizationContext {
  oidc: {
    provider: { Grant: new (properties: { accountId: string; clientId: string }) => OidcGrant };
    account: { accountId: string };
    client: { clientId: string };
    requestParamOIDCScopes: Set<string>;
    requestParamClaims: Set<string>;
  };
}
interface StoredEntry {
  payload: Record<string, unknown>;
  expiresAt?: number;
}

let providerConstructor: Promise<OidcProviderConstructor> | undefined;

/**
 * Imported lazily so that its load-time "Unsupported runtime" warning (it targets Node 22+, and works on
 * Node 20) can be muted. The specifier is a variable because a literal would make TypeScript look for the
 * missing type declarations.
 */
function loadOidcProvider(): Promise<OidcProviderConstructor> {
  providerConstructor ??= (async () => {
    const specifier: string = 'oidc-provider';
    const warn = console.warn;
    console.warn = (...args: unknown[]) => {
      if (!String(args[0]).includes('Unsupported runtime')) warn(...args);
    };
    try {
      const { Provider } = (await import(specifier)) as { Provider: OidcProviderConstructor };
      return Provider;
    } finally {
      console.warn = warn;
    }
  })();
  return providerConstructor;
}

const PROFILE_CLAIMS = ['name', 'given_name', 'family_name', 'preferred_username'];
const EMAIL_CLAIMS = ['email', 'email_verified'];
/** Claims real enterprise IdPs put in ID tokens that tests commonly need to inject. */
const COMMON_ENTERPRISE_CLAIMS = ['groups', 'tid', 'oid', 'roles', 'upn', 'hasgroups'];
const DISTRIBUTED_CLAIM_MEMBERS = new Set(['_claim_names', '_claim_sources']);

async function generateSigningKey(alg = 'RS256', kid: string = randomUUID()): Promise<JWK> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  return { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' };
}

/** One signing key per asymmetric algorithm (oidc-provider signs with the key whose alg the client asks for). */
function generateSigningKeys(algs: string[], kids?: string[]): Promise<JWK[]> {
  return Promise.all(algs.map((alg, index) => generateSigningKey(alg, kids?.[index])));
}

/** The client id and credentials a token request carries, by where it carries them. */
function presentedCredentials(
  req: IncomingMessage,
  body: URLSearchParams,
): { clientId?: string; basic: boolean; secretInBody: boolean; clientIdInBody: boolean } {
  const authorization = req.headers.authorization;
  const basic = authorization?.startsWith('Basic ') ?? false;
  const fromHeader = basic ? decodeURIComponent(Buffer.from(authorization!.slice(6), 'base64').toString('utf8').split(':')[0]) : undefined;
  return {
    clientId: fromHeader ?? body.get('client_id') ?? undefined,
    basic,
    secretInBody: body.has('client_secret'),
    clientIdInBody: body.has('client_id'),
  };
}

/** Entra object ids are GUIDs; derive a stable one from the sub so tests can predict it. */
function entraObjectId(sub: string): string {
  const hex = createHash('sha256').update(sub).digest('hex');
  return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20, 32)].join('-');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The request again with a body that can be read once more, for oidc-provider after a look at it here. */
function replayed(req: IncomingMessage, body: string): IncomingMessage {
  const { headers, rawHeaders, method, url, httpVersion, httpVersionMajor, httpVersionMinor, socket } = req;
  return Object.assign(Readable.from([Buffer.from(body)]), {
    headers,
    rawHeaders,
    method,
    url,
    httpVersion,
    httpVersionMajor,
    httpVersionMinor,
    socket,
    connection: socket,
  }) as unknown as IncomingMessage;
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(html);
}

export async function startTestIdp(options: StartTestIdpOptions = {}): Promise<TestIdp> {
  const Provider = await loadOidcProvider();
  const flavour = options.flavour ?? 'generic';
  const tenantId = options.tenantId ?? randomUUID();
  const title = options.title ?? `Test identity provider (${flavour})`;
  const accounts = new Map<string, IdpAccount>();
  const clients = new Map<string, TestIdpClient>();
  const store = new Map<string, StoredEntry>();
  // Lets signIn() finish the login form without a password; it never appears in the HTML.
  const automationToken = randomBytes(32).toString('base64url');
  const cookieKeys = [randomBytes(32).toString('base64url')];
  const idTokenSigningAlgValues = options.idTokenSigningAlgValues ?? ['RS256'];
  // oidc-provider needs an RS256 key for what it signs besides ID tokens.
  const keyAlgs = [...new Set(['RS256', ...idTokenSigningAlgValues.filter((alg) => !alg.startsWith('HS'))])];
  let signingKeys = await generateSigningKeys(keyAlgs);

  const openidClaims = new Set([
    'sub',
    ...COMMON_ENTERPRISE_CLAIMS,
    ...(options.extraClaimNames ?? []),
    ...(options.accounts ?? []).flatMap((account) => Object.keys(account.extraClaims ?? {})),
  ]);
  for (const claim of [...PROFILE_CLAIMS, ...EMAIL_CLAIMS, ...DISTRIBUTED_CLAIM_MEMBERS]) openidClaims.delete(claim);
  const declaredClaims = new Set([...openidClaims, ...PROFILE_CLAIMS, ...EMAIL_CLAIMS, ...DISTRIBUTED_CLAIM_MEMBERS]);

  const setAccount = (account: IdpAccount): void => {
    const undeclared = Object.keys(account.extraClaims ?? {}).filter((claim) => !declaredClaims.has(claim));
    if (undeclared.length) {
      throw new Error(`test IdP: extra claim(s) ${undeclared.join(', ')} were not declared at start; pass them in extraClaimNames`);
    }
    accounts.set(account.sub, account);
  };
  (options.accounts ?? []).forEach(setAccount);

  const claimsOf = (account: IdpAccount): Record<string, unknown> => {
    const name = [account.given_name, account.family_name].filter(Boolean).join(' ');
    const claims: Record<string, unknown> = {
      sub: account.sub,
      email: account.email,
      email_verified: account.email_verified,
      given_name: account.given_name,
      family_name: account.family_name,
      name: name || undefined,
      preferred_username: account.email ?? account.sub,
      groups: account.groups,
      ...(flavour === 'entra' ? { tid: tenantId, oid: entraObjectId(account.sub) } : {}),
      ...account.extraClaims,
    };
    return Object.fromEntries(Object.entries(claims).filter(([, value]) => value !== undefined));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // Errors from oidc-provider's interaction API carry the HTTP status they deserve (e.g. 400 when the
      // interaction cookie is missing or expired); anything else is a bug in this file.
      const status = (error as { status?: number }).status ?? 500;
      if (!res.headersSent) sendHtml(res, status, `<p>${escapeHtml(String(error))}</p>`);
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuerPath =
    flavour === 'entra'
      ? `/${tenantId}/v2.0`
      : flavour === 'okta' && options.authorizationServerId
        ? `/oauth2/${options.authorizationServerId}`
        : '';
  const issuer = `${origin}${issuerPath}`;

  // oidc-provider reads clients and models through this adapter; keeping the storage outside the provider
  // lets rotateSigningKey() replace the provider without losing sessions, codes or tokens.
  const adapterFor = (model: string) => {
    const keyOf = (id: string) => `${model}:${id}`;
    const findEntry = (key: string) => {
      const entry = store.get(key);
      if (entry?.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
        store.delete(key);
        return undefined;
      }
      return entry?.payload;
    };
    return {
      async upsert(id: string, payload: Record<string, unknown>, expiresIn?: number) {
        store.set(keyOf(id), {
          payload,
          expiresAt: expiresIn === undefined ? undefined : Date.now() + expiresIn * 1000,
        });
      },
      async find(id: string) {
        if (model !== 'Client') return findEntry(keyOf(id));
        const client = clients.get(id);
        return (
          client && {
            client_id: client.clientId,
            ...(client.clientSecret !== undefined ? { client_secret: client.clientSecret } : {}),
            ...(client.jwksUri !== undefined ? { jwks_uri: client.jwksUri } : {}),
            redirect_uris: client.redirectUris,
            grant_types: ['authorization_code'],
            response_types: ['code'],
            // Unless strictClientAuthentication, oidc-provider also accepts client_secret_post from a client registered for _basic.
            token_endpoint_auth_method: client.tokenEndpointAuthMethod ?? 'client_secret_basic',
            id_token_signed_response_alg: client.idTokenSignedResponseAlg ?? 'RS256',
          }
        );
      },
      async findByUid(uid: string) {
        const key = [...store.keys()].find((candidate) => candidate.startsWith(`${model}:`) && store.get(candidate)?.payload.uid === uid);
        return key === undefined ? undefined : findEntry(key);
      },
      async consume(id: string) {
        const payload = findEntry(keyOf(id));
        if (payload) payload.consumed = Math.floor(Date.now() / 1000);
      },
      async destroy(id: string) {
        store.delete(keyOf(id));
      },
      async revokeByGrantId(grantId: string) {
        for (const [key, entry] of store) {
          if (entry.payload.grantId === grantId) store.delete(key);
        }
      },
    };
  };

  // Stands in for the consent screen: every authorization silently grants all it asks for.
  const grantEverythingRequested = async ({ oidc }: AuthorizationContext): Promise<OidcGrant> => {
    const grant = new oidc.provider.Grant({ accountId: oidc.account.accountId, clientId: oidc.client.clientId });
    grant.addOIDCScope(oidc.requestParamOIDCScopes);
    grant.addOIDCClaims(oidc.requestParamClaims);
    await grant.save();
    return grant;
  };

  const createProvider = (signingKeys: JWK[]) => {
    const provider = new Provider(issuer, {
      adapter: adapterFor,
      jwks: { keys: signingKeys },
      cookies: { keys: cookieKeys },
      findAccount: async (_ctx: unknown, sub: string) => {
        const account = accounts.get(sub);
        return account && { accountId: sub, claims: async () => claimsOf(account) };
      },
      claims: { openid: [...openidClaims], email: EMAIL_CLAIMS, profile: PROFILE_CLAIMS },
      // Puts the scope-granted claims (email, names...) into the ID token, as Entra and Okta do.
      conformIdTokenClaims: false,
      loadExistingGrant: grantEverythingRequested,
      pkce: { required: () => true },
      // Fixed lifetimes (seconds) rather than oidc-provider's defaults, which log a notice when first used.
      ttl: { AccessToken: 3600, AuthorizationCode: 60, IdToken: 3600, Interaction: 3600, Grant: 86400, Session: 86400 },
      features: { devInteractions: { enabled: false } },
      ...(options.clientAuthMethods ? { clientAuthMethods: options.clientAuthMethods } : {}),
      enabledJWA: { idTokenSigningAlgValues },
      // oidc-provider's SSRF guard refuses loopback addresses, where the relying party's client JWKS is in tests.
      fetch: (url: URL | string, { dispatcher: _loopbackRefusingDispatcher, ...init }: RequestInit & { dispatcher?: unknown }) =>
        fetch(url, init),
      interactions: { url: async (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
      renderError: async (ctx: { type: string; body: string }, out: Record<string, string>) => {
        ctx.type = 'html';
        ctx.body = `<h1>Sign-in error</h1><pre>${escapeHtml(JSON.stringify(out, null, 2))}</pre>`;
      },
    });
    provider.on('server_error', (_ctx, error) => console.error('test IdP server_error', error));
    return { provider, callback: provider.callback() };
  };

  let current = createProvider(signingKeys);

  const renderLoginPage = (res: ServerResponse, status: number, uid: string, username: string, error?: string) =>
    sendHtml(
      res,
      status,
      `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
${error ? `<p role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
<p><label for="username">Username or email</label>
<input id="username" name="username" autocomplete="username" required value="${escapeHtml(username)}"></p>
<p><label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required></p>
<button id="sign-in" type="submit">Sign in</button>
</form>
</main>
</body>
</html>`,
    );

  const handleInteraction = async (req: IncomingMessage, res: ServerResponse, uid: string, isSubmission: boolean) => {
    const { provider } = current;
    const interaction = await provider.interactionDetails(req, res);
    if (interaction.uid !== uid) {
      sendHtml(res, 400, '<p>This sign-in page is out of date; start again from the application.</p>');
      return;
    }
    // Consent never comes up (see grantEverythingRequested); other prompts are not offered.
    if (interaction.prompt.name !== 'login') {
      sendHtml(res, 400, `<p>This test IdP does not handle the ${escapeHtml(interaction.prompt.name)} prompt.</p>`);
      return;
    }
    if (!isSubmission) {
      const loginHint = typeof interaction.params.login_hint === 'string' ? interaction.params.login_hint : '';
      renderLoginPage(res, 200, uid, loginHint);
      return;
    }
    const form = new URLSearchParams(await readBody(req));
    const username = form.get('username') ?? '';
    const account =
      accounts.get(username) ?? [...accounts.values()].find((candidate) => candidate.email?.toLowerCase() === username.toLowerCase());
    const authenticated =
      account !== undefined &&
      (form.get('automation_token') === automationToken || (account.password !== undefined && form.get('password') === account.password));
    if (!account || !authenticated) {
      renderLoginPage(res, 401, uid, username, 'Wrong username or password.');
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: account.sub } });
  };

  const handle = async (incoming: IncomingMessage, res: ServerResponse) => {
    let req = incoming;
    const { pathname } = new URL(req.url ?? '/', origin);
    const interactionRoute = /^\/interaction\/([^/]+)(\/login)?$/.exec(pathname);
    if (interactionRoute) {
      const isSubmission = interactionRoute[2] !== undefined;
      if (req.method !== (isSubmission ? 'POST' : 'GET')) {
        res.writeHead(405).end();
        return;
      }
      await handleInteraction(req, res, interactionRoute[1], isSubmission);
      return;
    }
    if (options.strictClientAuthentication && req.method === 'POST' && pathname === `${issuerPath}/token`) {
      const raw = await readBody(req);
      const refusal = strictClientAuthenticationRefusal(req, new URLSearchParams(raw));
      if (refusal) {
        res.writeHead(refusal.status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(JSON.stringify(refusal.body));
        return;
      }
      req = replayed(req, raw);
    }
    if (issuerPath === '' || pathname === issuerPath || pathname.startsWith(`${issuerPath}/`)) {
      // oidc-provider works out its mount path from originalUrl versus url, as when mounted in Express.
      (req as IncomingMessage & { originalUrl?: string }).originalUrl = req.url;
      req.url = (req.url ?? '/').slice(issuerPath.length) || '/';
      await current.callback(req, res);
      return;
    }
    res.writeHead(404).end();
  };

  /** What an IdP that holds each client to its registered method answers a token request that strays from it. */
  const strictClientAuthenticationRefusal = (
    req: IncomingMessage,
    body: URLSearchParams,
  ): { status: number; body: Record<string, string> } | undefined => {
    const presented = presentedCredentials(req, body);
    if (presented.basic && presented.clientIdInBody) {
      return {
        status: 400,
        body: {
          error: 'invalid_request',
          error_description:
            'Cannot supply multiple client credentials. Use one of the following: credentials in the Authorization header, credentials in the post body, or a client_assertion in the post body.',
        },
      };
    }
    const registered = clients.get(presented.clientId ?? '')?.tokenEndpointAuthMethod ?? 'client_secret_basic';
    const used = presented.basic
      ? 'client_secret_basic'
      : presented.secretInBody
        ? 'client_secret_post'
        : body.has('client_assertion')
          ? 'private_key_jwt'
          : 'none';
    if (used === registered) return undefined;
    return {
      status: 401,
      body: { error: 'invalid_client', error_description: `client authentication by ${used} is not allowed for this client` },
    };
  };

  const signIn = async (authorizationRequestUrl: string, sub: string, jar = new CookieJar()): Promise<string> => {
    let url = new URL(authorizationRequestUrl);
    for (let hop = 0; hop < 10; hop++) {
      if (url.origin !== origin) return url.href;
      const cookie = jar.headerFor(url);
      const isLoginPage = /^\/interaction\/[^/]+$/.test(url.pathname);
      const response = isLoginPage
        ? await fetch(`${url.href}/login`, {
            method: 'POST',
            redirect: 'manual',
            headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
            body: new URLSearchParams({ username: sub, automation_token: automationToken }),
          })
        : await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
      jar.store(response.headers.getSetCookie());
      const location = response.headers.get('location');
      if (!location) {
        const body = (await response.text()).slice(0, 500);
        throw new Error(`test IdP answered ${response.status} without a redirect at ${url.href}: ${body}`);
      }
      url = new URL(location, url);
    }
    throw new Error('test IdP: too many redirects during sign-in');
  };

  return {
    issuer,
    origin,
    discoveryUrl: `${issuer}/.well-known/openid-configuration`,
    authorizationUrl: `${issuer}/auth`,
    tokenUrl: `${issuer}/token`,
    jwksUrl: `${issuer}/jwks`,
    userinfoUrl: `${issuer}/me`,
    registerClient: (client) => {
      clients.set(client.clientId, { ...client, redirectUris: [...client.redirectUris] });
    },
    setAccount,
    signIn,
    rotateSigningKey: async ({ keepPrevious = false, sameKid = false } = {}) => {
      // oidc-provider fixes its keystore at construction, so rotation swaps in a new provider that shares
      // the same storage, cookie keys, clients and accounts. The first key per alg in the set signs.
      const fresh = await generateSigningKeys(keyAlgs, sameKid ? signingKeys.slice(0, keyAlgs.length).map((key) => key.kid!) : undefined);
      signingKeys = [...fresh, ...(keepPrevious ? signingKeys : [])];
      current = createProvider(signingKeys);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
