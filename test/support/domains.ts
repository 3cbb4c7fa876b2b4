import { PLATFORM_KEY } from './app';
import { graphqlOk } from './graphql';

/**
 * Adds a domain to an organization and makes it VERIFIED through the operator's
 * markDomainVerified (platform key), for tests whose subject is not the DNS proof itself.
 * Returns the domain's id.
 */
export async function addVerifiedDomain(baseUrl: string, organizationId: string, domain: string): Promise<string> {
  const { addDomain } = await graphqlOk<{ addDomain: { id: string } }>(
    baseUrl,
    PLATFORM_KEY,
    'mutation($organizationId: ID!, $domain: String!) { addDomain(organizationId: $organizationId, domain: $domain) { id } }',
    { organizationId, domain },
  );
  await graphqlOk(baseUrl, PLATFORM_KEY, 'mutation($id: ID!) { markDomainVerified(id: $id) { status } }', { id: addDomain.id });
  return addDomain.id;
}
