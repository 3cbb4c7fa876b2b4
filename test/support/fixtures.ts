import { PLATFORM_KEY } from './app';
import { graphqlOk } from './graphql';
import type { TestIdp } from './test-idp';

const CREATE_CONNECTION = 'mutation($input: CreateConnectionInput!) { createConnection(input: $input) { id redirectUri } }';
const CREATE_API_KEY =
  'mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { id organizationId scopes prefix } } }';

export interface CreatedConnection {
  id: string;
  redirectUri: string;
}

/** A connection made from `input` as it is (type, IdP and client included), with `apiKey` (the platform key unless given). */
export async function createConnection(
  serviceUrl: string,
  input: Record<string, unknown>,
  apiKey = PLATFORM_KEY,
): Promise<CreatedConnection> {
  const { createConnection } = await graphqlOk<{ createConnection: CreatedConnection }>(serviceUrl, apiKey, CREATE_CONNECTION, { input });
  return createConnection;
}

/**
 * A GENERIC_OIDC connection of the organization to the test IdP, whose client `clientId` (secret
 * `<clientId>-secret`) the IdP knows with the connection's redirect URI, so logins through it work.
 * Returns the connection's id.
 */
export async function connectTestIdp(
  serviceUrl: string,
  idp: TestIdp,
  organizationId: string,
  clientId: string,
  apiKey = PLATFORM_KEY,
): Promise<string> {
  const clientSecret = `${clientId}-secret`;
  const connection = await createConnection(
    serviceUrl,
    { organizationId, type: 'GENERIC_OIDC', discoveryUrl: idp.discoveryUrl, clientId, clientSecret },
    apiKey,
  );
  idp.registerClient({ clientId, clientSecret, redirectUris: [connection.redirectUri] });
  return connection.id;
}

export interface CreatedApiKey {
  /** Shown once by the service. */
  secret: string;
  apiKey: { id: string; organizationId: string | null; scopes: string[]; prefix: string };
}

/** A new API key of the organization (a platform key when `organizationId` is null), made with `apiKey`. */
export async function createApiKey(
  serviceUrl: string,
  organizationId: string | null,
  scopes: string[],
  apiKey = PLATFORM_KEY,
): Promise<CreatedApiKey> {
  const { createApiKey } = await graphqlOk<{ createApiKey: CreatedApiKey }>(serviceUrl, apiKey, CREATE_API_KEY, {
    input: { organizationId, scopes },
  });
  return createApiKey;
}
