import { randomBytes } from 'node:crypto';
import { graphql, graphqlOk } from './graphql';
import { PLATFORM_KEY } from './app';
import type { RogueIdp } from './rogue-idp';
import { TestBrowser } from './browser';
import { createApiKey, createConnection } from './fixtures';

export interface SsoOrganization {
  organizationId: string;
  connectionId: string;
  domain: string;
  /** An API key of the organization with scope roles:read. */
  rolesKey: string;
}

/**
 * An organization with a verified domain, a GENERIC_OIDC connection to the rogue IdP (which signs
 * in whoever it is told) and a roles:read key: the least a login and a roles lookup need.
 */
export async function createSsoOrganization(
  serviceUrl: string,
  rogue: RogueIdp,
  connection: Record<string, unknown> = { discoveryUrl: rogue.discoveryUrl },
): Promise<SsoOrganization> {
  const domain = `faults-${randomBytes(4).toString('hex')}.com`;
  const { createOrganization } = await graphqlOk(
    serviceUrl,
    PLATFORM_KEY,
    'mutation($name: String!) { createOrganization(input: { name: $name }) { id } }',
    { name: `Faults ${domain}` },
  );
  const organizationId = createOrganization.id as string;
  const { addDomain } = await graphqlOk(
    serviceUrl,
    PLATFORM_KEY,
    'mutation($id: ID!, $domain: String!) { addDomain(organizationId: $id, domain: $domain) { id } }',
    { id: organizationId, domain },
  );
  // Where domains must be proven first, the platform key vouches for this one; elsewhere the mutation does not exist.
  await graphql(serviceUrl, PLATFORM_KEY, 'mutation($id: ID!) { markDomainVerified(id: $id) { id } }', { id: addDomain.id });
  const created = await createConnection(serviceUrl, {
    organizationId,
    type: 'GENERIC_OIDC',
    clientId: 'faults-app',
    clientSecret: 'faults-secret',
    ...connection,
  });
  const rolesKey = await createApiKey(serviceUrl, organizationId, ['roles:read']);
  return { organizationId, connectionId: created.id, domain, rolesKey: rolesKey.secret };
}

/** A login through the rogue IdP as `email`: the callback's response and the session token it set, if any. */
export async function signInThroughRogue(
  serviceUrl: string,
  rogue: RogueIdp,
  connectionId: string,
  email: string,
  accept = 'application/json',
) {
  const browser = new TestBrowser();
  rogue.behaviour.claims = { sub: email, email, email_verified: true };
  const initiate = await browser.get(`${serviceUrl}/sso/initiate/${connectionId}`, { accept });
  if (initiate.status !== 302) return { browser, response: initiate, token: undefined };
  const callbackUrl = await rogue.signIn(initiate.headers.get('location')!);
  const response = await browser.get(callbackUrl, { accept });
  return { browser, response, token: browser.cookie('sso_session') };
}
