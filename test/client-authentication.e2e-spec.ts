import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PLATFORM_KEY, startTestApp, type TestApp } from './support/app';
import { errorCode, graphql, graphqlOk } from './support/graphql';
import { queryDatabase, type TestDatabase } from './support/database';
import { startTestIdp, type ClientAuthMethod, type StartTestIdpOptions, type TestIdp, type TestIdpClient } from './support/test-idp';
import { TestBrowser } from './support/browser';
import { addVerifiedDomain } from './support/domains';
import { createApiKey } from './support/fixtures';

const CONNECTION_FIELDS = `id redirectUri clientSecretHint tokenEndpointAuthMethod effectiveTokenEndpointAuthMethod clientJwksUri
  tokenEndpointAuthMethodsSupported idTokenSigningAlgValuesSupported acceptedIdTokenSigningAlgorithms allowSymmetricIdTokenSignature`;
const CREATE_CONNECTION = `mutation($input: CreateConnectionInput!) { createConnection(input: $input) { ${CONNECTION_FIELDS} } }`;
const UPDATE_CONNECTION = `mutation($id: ID!, $input: UpdateConnectionInput!) { updateConnection(id: $id, input: $input) { ${CONNECTION_FIELDS} } }`;
const TEST_CONNECTION = 'mutation($id: ID!) { testConnection(id: $id) { url } }';
/** Form-encoding before Basic (RFC 6749 §2.3.1) turns each of these into %XX: the IdP must decode them. */
const AWKWARD_SECRET = 'Sec-ret_with.special~chars+/=%:!';
const ACCOUNT = { sub: 'alex-sub', email: 'alex@clientauth-example.com', email_verified: true, given_name: 'Alex', family_name: 'Auth' };
const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

interface ConnectionSettings {
  tokenEndpointAuthMethod?: 'CLIENT_SECRET_BASIC' | 'CLIENT_SECRET_POST' | 'PRIVATE_KEY_JWT';
  allowSymmetricIdTokenSignature?: boolean;
  /** Default AWKWARD_SECRET; null: none. */
  clientSecret?: string | null;
}

describe('Client authentication and ID token algorithms', () => {
  let service: TestApp & { database: TestDatabase };
  let organizationId: string;
  let orgKey: string;
  const idps: TestIdp[] = [];
  let clientCount = 0;

  async function startIdp(options: StartTestIdpOptions): Promise<TestIdp> {
    const idp = await startTestIdp({ accounts: [ACCOUNT], strictClientAuthentication: true, ...options });
    idps.push(idp);
    return idp;
  }

  /** A connection to the IdP (through discovery) and the matching client registered there. */
  async function connect(idp: TestIdp, settings: ConnectionSettings = {}, client: Partial<TestIdpClient> = {}) {
    const clientId = `client-${++clientCount}`;
    const clientSecret = settings.clientSecret === undefined ? AWKWARD_SECRET : settings.clientSecret;
    const { createConnection } = await graphqlOk(service.url, PLATFORM_KEY, CREATE_CONNECTION, {
      input: {
        organizationId,
        type: 'GENERIC_OIDC',
        discoveryUrl: idp.discoveryUrl,
        clientId,
        ...(clientSecret === null ? {} : { clientSecret }),
        ...(settings.tokenEndpointAuthMethod ? { tokenEndpointAuthMethod: settings.tokenEndpointAuthMethod } : {}),
        ...(settings.allowSymmetricIdTokenSignature ? { allowSymmetricIdTokenSignature: true } : {}),
      },
    });
    idp.registerClient({ clientId, clientSecret: clientSecret ?? undefined, redirectUris: [createConnection.redirectUri], ...client });
    return createConnection;
  }

  /** A person signs in through the connection; the callback's answer, as JSON or as the page. */
  async function login(idp: TestIdp, connectionId: string, accept = 'application/json'): Promise<Response> {
    const browser = new TestBrowser();
    const initiate = await browser.get(`${service.url}/sso/initiate/${connectionId}`);
    expect(initiate.status).toBe(302);
    return browser.get(await idp.signIn(initiate.headers.get('location')!, ACCOUNT.sub), { accept });
  }

  async function expectSignedIn(response: Response): Promise<void> {
    expect(response.status).toBe(302);
    const session = response.headers.getSetCookie().find((cookie) => cookie.startsWith('sso_session='));
    expect(session).toBeDefined();
    const me = await fetch(`${service.url}/auth/me`, {
      headers: { authorization: `Bearer ${session!.split(';')[0].slice('sso_session='.length)}` },
    });
    expect(((await me.json()) as { user: { email: string } }).user.email).toBe(ACCOUNT.email);
  }

  /** The test sign-in report of the connection, as an IT admin would run it. */
  async function testReport(idp: TestIdp, connectionId: string, accept = 'application/json'): Promise<Response> {
    const { testConnection } = await graphqlOk(service.url, orgKey, TEST_CONNECTION, { id: connectionId });
    const browser = new TestBrowser();
    const start = await browser.get(testConnection.url);
    const callback = await browser.get(await idp.signIn(start.headers.get('location')!, ACCOUNT.sub), { accept });
    expect(callback.status).toBe(200);
    return callback;
  }

  const unescaped = (html: string) =>
    html
      .replace(/&#39;/g, "'")
      .replace(/&quot;|&#34;/g, '"')
      .replace(/&amp;/g, '&');

  /** The refusal names the reason on the page, in the JSON answer and in the test sign-in report. */
  async function expectRefused(idp: TestIdp, connectionId: string, code: string, reason: RegExp[]): Promise<void> {
    const json = await login(idp, connectionId);
    expect(json.headers.getSetCookie().some((cookie) => cookie.startsWith('sso_session='))).toBe(false);
    const body = (await json.json()) as { error: string; hint?: string };
    expect(body.error).toBe(code);
    for (const pattern of reason) expect(body.hint).toMatch(pattern);
    const page = await login(idp, connectionId, 'text/html');
    expect(page.status).toBe(json.status);
    const html = unescaped(await page.text());
    expect(html).toContain(code);
    for (const pattern of reason) expect(html).toMatch(pattern);
    const report = (await (await testReport(idp, connectionId)).json()) as {
      succeeded: boolean;
      problems: { code: string; advice: string | null }[];
    };
    expect(report.succeeded).toBe(false);
    expect(report.problems).toHaveLength(1);
    expect(report.problems[0]).toMatchObject({ code });
    for (const pattern of reason) expect(report.problems[0].advice).toMatch(pattern);
    const reportPage = unescaped(await (await testReport(idp, connectionId, 'text/html')).text());
    expect(reportPage).toContain('The connection needs attention');
    for (const pattern of reason) expect(reportPage).toMatch(pattern);
  }

  beforeAll(async () => {
    // A 1 ms JWKS cooldown: the key rotated between two logins is refetched without sleeping.
    service = await startTestApp({ env: { JWKS_REFETCH_COOLDOWN_MS: '1' } });
    ({
      createOrganization: { id: organizationId },
    } = await graphqlOk(service.url, PLATFORM_KEY, 'mutation { createOrganization(input: { name: "Client Auth" }) { id } }'));
    await addVerifiedDomain(service.url, organizationId, 'clientauth-example.com');
    orgKey = (await createApiKey(service.url, organizationId, ['admin'])).secret;
  });

  afterAll(async () => {
    await service.close();
    await service.database.drop();
    await Promise.all(idps.map((idp) => idp.close()));
  });

  describe.each<[string, ClientAuthMethod[], ClientAuthMethod, ConnectionSettings, string]>([
    ['basic only', ['client_secret_basic'], 'client_secret_basic', {}, 'CLIENT_SECRET_BASIC'],
    ['post only', ['client_secret_post'], 'client_secret_post', {}, 'CLIENT_SECRET_POST'],
    [
      'basic and post, client registered for basic',
      ['client_secret_basic', 'client_secret_post'],
      'client_secret_basic',
      {},
      'CLIENT_SECRET_BASIC',
    ],
    [
      'basic and post, client registered for post, connection overridden',
      ['client_secret_basic', 'client_secret_post'],
      'client_secret_post',
      { tokenEndpointAuthMethod: 'CLIENT_SECRET_POST' },
      'CLIENT_SECRET_POST',
    ],
    ['private_key_jwt only, no client secret', ['private_key_jwt'], 'private_key_jwt', { clientSecret: null }, 'PRIVATE_KEY_JWT'],
  ])('an IdP that takes %s', (_name, announced, registered, settings, effective) => {
    it(`signs a person in with ${effective}`, async () => {
      const idp = await startIdp({ clientAuthMethods: announced });
      const connection = await connect(idp, settings, {
        tokenEndpointAuthMethod: registered,
        jwksUri: `${service.url}/sso/client-jwks.json`,
      });
      expect(connection).toMatchObject({
        effectiveTokenEndpointAuthMethod: effective,
        tokenEndpointAuthMethodsSupported: announced,
        clientJwksUri: `${service.url}/sso/client-jwks.json`,
      });
      await expectSignedIn(await login(idp, connection.id));
    });
  });

  describe.each<[string, ClientAuthMethod[], ClientAuthMethod, ConnectionSettings, RegExp[]]>([
    [
      'a connection forced to basic at an IdP that takes only post',
      ['client_secret_post'],
      'client_secret_post',
      { tokenEndpointAuthMethod: 'CLIENT_SECRET_BASIC' },
      [
        /authenticated with client_secret_basic \(the connection’s tokenEndpointAuthMethod\)/,
        /announces client_secret_post\./,
        /%2D/,
        /CLIENT_SECRET_POST/,
      ],
    ],
    [
      'basic chosen automatically for a client registered for post',
      ['client_secret_basic', 'client_secret_post'],
      'client_secret_post',
      {},
      [
        /refused the client \(invalid_client\) authenticated with client_secret_basic;/,
        /announces client_secret_basic, client_secret_post\./,
        /tokenEndpointAuthMethod to the method it is registered for/,
      ],
    ],
  ])('refused: %s', (_name, announced, registered, settings, reason) => {
    it('names the method used and the methods announced, and suggests the override', async () => {
      const idp = await startIdp({ clientAuthMethods: announced });
      const connection = await connect(idp, settings, { tokenEndpointAuthMethod: registered });
      await expectRefused(idp, connection.id, 'token_exchange_failed', reason);
    });
  });

  describe('ID token algorithms', () => {
    let idp: TestIdp;

    beforeAll(async () => {
      idp = await startIdp({ idTokenSigningAlgValues: [...ASYMMETRIC, 'HS256'] });
    });

    it.each(ASYMMETRIC)('signs a person in with an ID token signed %s', async (alg) => {
      const connection = await connect(idp, {}, { idTokenSignedResponseAlg: alg });
      expect(connection.acceptedIdTokenSigningAlgorithms).toEqual(expect.arrayContaining(ASYMMETRIC));
      expect(connection.acceptedIdTokenSigningAlgorithms).not.toContain('HS256');
      await expectSignedIn(await login(idp, connection.id));
    });

    it('signs a person in with HS256 when the connection opts in', async () => {
      const connection = await connect(idp, { allowSymmetricIdTokenSignature: true }, { idTokenSignedResponseAlg: 'HS256' });
      expect(connection.acceptedIdTokenSigningAlgorithms).toContain('HS256');
      await expectSignedIn(await login(idp, connection.id));
    });

    it('refuses HS256 without the opt-in, naming the algorithm and what to change', async () => {
      const connection = await connect(idp, {}, { idTokenSignedResponseAlg: 'HS256' });
      await expectRefused(idp, connection.id, 'invalid_id_token', [
        /signed the ID token with HS256, a signature made with the client secret/,
        /to RS256 \(recommended\), or set allowSymmetricIdTokenSignature/,
      ]);
    });
  });

  it('keeps signing people in when the IdP replaces its key under the same kid', async () => {
    const idp = await startIdp({});
    const connection = await connect(idp);
    await expectSignedIn(await login(idp, connection.id));
    const before = ((await (await fetch(idp.jwksUrl)).json()) as { keys: { kid: string; n: string }[] }).keys;
    await idp.rotateSigningKey({ sameKid: true });
    const after = ((await (await fetch(idp.jwksUrl)).json()) as { keys: { kid: string; n: string }[] }).keys;
    expect(after.map((key) => key.kid)).toEqual(before.map((key) => key.kid));
    expect(after[0].n).not.toBe(before[0].n);
    await expectSignedIn(await login(idp, connection.id));
  });

  describe('the service’s private_key_jwt key', () => {
    it('publishes only public keys; a platform key rotates it, publishing the new key ahead of its use, while logins go on', async () => {
      const idp = await startIdp({ clientAuthMethods: ['private_key_jwt'] });
      const connection = await connect(
        idp,
        { clientSecret: null },
        { tokenEndpointAuthMethod: 'private_key_jwt', jwksUri: `${service.url}/sso/client-jwks.json` },
      );
      expect(connection.clientSecretHint).toBe('');
      await expectSignedIn(await login(idp, connection.id));
      const jwks = async () =>
        ((await (await fetch(`${service.url}/sso/client-jwks.json`)).json()) as { keys: Record<string, string>[] }).keys;
      const [first] = await jwks();
      expect(first).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
      expect(first.d).toBeUndefined();

      const refused = await graphql(service.url, orgKey, 'mutation { rotateClientAssertionKey { kid } }');
      expect(errorCode(refused)).toBe('FORBIDDEN');
      const { rotateClientAssertionKey } = await graphqlOk(
        service.url,
        PLATFORM_KEY,
        'mutation { rotateClientAssertionKey { kid algorithm } }',
      );
      expect(rotateClientAssertionKey.algorithm).toBe('RS256');
      expect((await jwks()).map((key) => key.kid)).toEqual([rotateClientAssertionKey.kid, first.kid]);
      const [audited] = await queryDatabase<{ organization_id: string | null }>(
        service.databaseUrl,
        "SELECT organization_id FROM audit_events WHERE action = 'client_assertion_key.rotated' AND target_id = $1",
        [rotateClientAssertionKey.kid],
      );
      expect(audited).toEqual({ organization_id: null });
      await expectSignedIn(await login(idp, connection.id));
    });
  });

  describe('bad input', () => {
    let idp: TestIdp;

    beforeAll(async () => {
      idp = await startIdp({ clientAuthMethods: ['client_secret_basic', 'private_key_jwt'] });
    });

    it.each<[string, ConnectionSettings, string, RegExp]>([
      [
        'no secret for basic',
        { clientSecret: null },
        'clientSecret',
        /required for client_secret_basic \(chosen from what the IdP announces\)/,
      ],
      [
        'no secret for post',
        { clientSecret: null, tokenEndpointAuthMethod: 'CLIENT_SECRET_POST' },
        'clientSecret',
        /required for client_secret_post/,
      ],
      ['an empty secret', { clientSecret: '  ' }, 'clientSecret', /must not be empty/],
      [
        'HS ID tokens without a secret',
        { clientSecret: null, tokenEndpointAuthMethod: 'PRIVATE_KEY_JWT', allowSymmetricIdTokenSignature: true },
        'allowSymmetricIdTokenSignature',
        /needs a client secret/,
      ],
    ])('refuses a connection with %s, naming the field', async (_name, settings, field, message) => {
      const result = await graphql(service.url, PLATFORM_KEY, CREATE_CONNECTION, {
        input: {
          organizationId,
          type: 'GENERIC_OIDC',
          discoveryUrl: idp.discoveryUrl,
          clientId: 'bad-input',
          ...settings,
          clientSecret: settings.clientSecret ?? undefined,
        },
      });
      expect(errorCode(result)).toBe('BAD_USER_INPUT');
      expect(result.errors?.[0].extensions?.field).toBe(field);
      expect(result.errors?.[0].message).toMatch(message);
    });

    it('refuses an unknown method, and switching a secretless connection to a secret method, leaving it as it was', async () => {
      const unknown = await graphql(service.url, PLATFORM_KEY, CREATE_CONNECTION, {
        input: {
          organizationId,
          type: 'GENERIC_OIDC',
          discoveryUrl: idp.discoveryUrl,
          clientId: 'x',
          clientSecret: 'y',
          tokenEndpointAuthMethod: 'NONE',
        },
      });
      expect(errorCode(unknown)).toBe('BAD_USER_INPUT');
      const connection = await connect(idp, { clientSecret: null, tokenEndpointAuthMethod: 'PRIVATE_KEY_JWT' });
      const toPost = await graphql(service.url, PLATFORM_KEY, UPDATE_CONNECTION, {
        id: connection.id,
        input: { tokenEndpointAuthMethod: 'CLIENT_SECRET_POST' },
      });
      expect(errorCode(toPost)).toBe('BAD_USER_INPUT');
      expect(toPost.errors?.[0].extensions?.field).toBe('clientSecret');
      const toAutomatic = await graphql(service.url, PLATFORM_KEY, UPDATE_CONNECTION, {
        id: connection.id,
        input: { tokenEndpointAuthMethod: null },
      });
      expect(toAutomatic.errors?.[0].extensions?.field).toBe('clientSecret');
      const { connection: unchanged } = await graphqlOk(
        service.url,
        PLATFORM_KEY,
        `query($id: ID!) { connection(id: $id) { ${CONNECTION_FIELDS} } }`,
        { id: connection.id },
      );
      expect(unchanged).toEqual(connection);
      const { updateConnection } = await graphqlOk(service.url, PLATFORM_KEY, UPDATE_CONNECTION, {
        id: connection.id,
        input: { tokenEndpointAuthMethod: null, clientSecret: 'now-a-secret' },
      });
      expect(updateConnection).toMatchObject({
        tokenEndpointAuthMethod: null,
        effectiveTokenEndpointAuthMethod: 'CLIENT_SECRET_BASIC',
        clientSecretHint: 'cret',
      });
    });
  });
});
