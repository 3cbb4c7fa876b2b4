import { PLATFORM_KEY, startTestApp, type TestApp } from './app';
import type { TestDatabase } from './database';
import { addVerifiedDomain } from './domains';
import { createConnection } from './fixtures';
import { graphqlOk } from './graphql';
import { startTestIdp, type TestIdp } from './test-idp';

export interface OktaOrganization {
  service: TestApp & { database: TestDatabase };
  idp: TestIdp;
  organizationId: string;
  connectionId: string;
  /** Stops the service, drops its database and stops the IdP. */
  close(): Promise<void>;
}

/**
 * A service with one organization that owns `domain` and signs in through an OKTA connection to a
 * test IdP with a login page ("Demo IdP"), where Dana Scully (dana@<domain>, password `correct
 * horse battery`) is in the group Engineering, which the connection maps to the role admin: what
 * a person clicking through a real browser needs.
 */
export async function startOktaOrganization(options: { name: string; domain: string; clientId: string }): Promise<OktaOrganization> {
  const idp = await startTestIdp({
    flavour: 'okta',
    title: 'Demo IdP',
    accounts: [
      {
        sub: 'dana',
        email: `dana@${options.domain}`,
        email_verified: true,
        given_name: 'Dana',
        family_name: 'Scully',
        groups: ['Engineering'],
        password: 'correct horse battery',
      },
    ],
  });
  let service: (TestApp & { database: TestDatabase }) | undefined;
  const close = async () => {
    await service?.close();
    await service?.database.drop();
    await idp.close();
  };
  try {
    service = await startTestApp();
    const { createOrganization } = await graphqlOk(
      service.url,
      PLATFORM_KEY,
      'mutation($name: String!) { createOrganization(input: { name: $name }) { id } }',
      { name: options.name },
    );
    const organizationId = createOrganization.id as string;
    await addVerifiedDomain(service.url, organizationId, options.domain);
    const clientSecret = `${options.clientId}-secret`;
    const connection = await createConnection(service.url, {
      organizationId,
      type: 'OKTA',
      oktaDomain: idp.origin,
      clientId: options.clientId,
      clientSecret,
    });
    idp.registerClient({ clientId: options.clientId, clientSecret, redirectUris: [connection.redirectUri] });
    await graphqlOk(service.url, PLATFORM_KEY, 'mutation($input: CreateRoleMappingInput!) { createRoleMapping(input: $input) { id } }', {
      input: { connectionId: connection.id, idpGroupId: 'Engineering', role: 'admin' },
    });
    return { service, idp, organizationId, connectionId: connection.id, close };
  } catch (error) {
    await close();
    throw error;
  }
}
