import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PLATFORM_KEY, startTestApp, type TestApp } from './support/app';
import { graphqlOk } from './support/graphql';
import type { TestDatabase } from './support/database';
import { startTestIdp, type TestIdp } from './support/test-idp';
import { createConnection } from './support/fixtures';
import { recordStatements, type StatementRecorder } from './support/statements';

const NESTED_QUERY = `{ organizations { id roles { slug } domains { domain } connections { id roleMappings { idpGroupId role } } } }`;

/** Nested admin queries cost a query per level, whatever the number of organizations. */
describe('GraphQL field batching', () => {
  let service: TestApp & { database: TestDatabase };
  let idp: TestIdp;
  let created = 0;
  let statements: StatementRecorder;

  async function addOrganizations(count: number): Promise<void> {
    for (let index = 0; index < count; index++, created++) {
      const { createOrganization } = await graphqlOk(
        service.url,
        PLATFORM_KEY,
        'mutation($name: String!) { createOrganization(input: { name: $name }) { id } }',
        { name: `Batch ${created}` },
      );
      await graphqlOk(
        service.url,
        PLATFORM_KEY,
        'mutation($id: ID!, $domain: String!) { addDomain(organizationId: $id, domain: $domain) { id } }',
        {
          id: createOrganization.id,
          domain: `batch-${created}-sso-test.com`,
        },
      );
      for (const clientId of ['first', 'second']) {
        const connection = await createConnection(service.url, {
          organizationId: createOrganization.id,
          type: 'GENERIC_OIDC',
          discoveryUrl: idp.discoveryUrl,
          clientId,
          clientSecret: 'batch-secret',
        });
        await graphqlOk(
          service.url,
          PLATFORM_KEY,
          'mutation($input: CreateRoleMappingInput!) { createRoleMapping(input: $input) { id } }',
          {
            input: { connectionId: connection.id, idpGroupId: `group-${created}`, role: 'admin' },
          },
        );
      }
    }
  }

  async function statementsFor(query: string): Promise<number> {
    return (await statements.during(() => graphqlOk(service.url, PLATFORM_KEY, query))).length;
  }

  beforeAll(async () => {
    idp = await startTestIdp();
    service = await startTestApp();
    statements = recordStatements(service.app);
  });

  afterAll(async () => {
    await service.close();
    await service.database.drop();
    await idp.close();
  });

  it('loads organizations with their domains, connections and role mappings in as many queries for 2 as for 6', async () => {
    await addOrganizations(2);
    const forTwo = await statementsFor(NESTED_QUERY);
    await addOrganizations(4);
    const forSix = await statementsFor(NESTED_QUERY);
    expect((await graphqlOk(service.url, PLATFORM_KEY, NESTED_QUERY)).organizations).toHaveLength(6);
    expect(forTwo).toBeGreaterThanOrEqual(4);
    expect(forSix).toBe(forTwo);
  });
});
