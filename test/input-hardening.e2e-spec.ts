import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PLATFORM_KEY, startTestApp, type TestApp } from './support/app';
import { errorCode, graphql, graphqlOk } from './support/graphql';
import { queryDatabase, type TestDatabase } from './support/database';
import { startRogueIdp, type RogueIdp } from './support/rogue-idp';
import { createConnection } from './support/fixtures';

/** Strings PostgreSQL cannot store and names that are only spaces: bad input at the edge, never a 500. */
describe('input hardening', () => {
  let service: TestApp & { database: TestDatabase };
  let rogue: RogueIdp;
  let organizationId: string;
  let connectionId: string;
  const logLines: string[] = [];

  beforeAll(async () => {
    rogue = await startRogueIdp();
    service = await startTestApp({ env: { LOG_LEVEL: 'warn' }, logLines });
    organizationId = (await graphqlOk(service.url, PLATFORM_KEY, 'mutation { createOrganization(input: { name: "Hardened" }) { id } }'))
      .createOrganization.id;
    connectionId = (
      await createConnection(service.url, {
        organizationId,
        type: 'GENERIC_OIDC',
        name: 'Rogue',
        discoveryUrl: rogue.discoveryUrl,
        clientId: 'rogue-app',
        clientSecret: 'rogue-secret',
      })
    ).id;
  });

  afterAll(async () => {
    await service.close();
    await service.database.drop();
    await rogue.close();
  });

  describe('a NUL character', () => {
    it('in the roles API’s email is a 400 naming email', async () => {
      const response = await fetch(`${service.url}/v1/organizations/${organizationId}/roles?email=a%00`, {
        headers: { authorization: `Bearer ${PLATFORM_KEY}` },
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: 'bad_user_input', field: 'email' });
    });

    it('in any GraphQL argument or input field is BAD_USER_INPUT naming that field', async () => {
      const cases: [string, string, Record<string, unknown>][] = [
        [
          'email',
          'query($id: ID!, $email: String) { userRoles(organizationId: $id, email: $email) }',
          { id: organizationId, email: 'a\u0000@x.com' },
        ],
        [
          'name',
          'mutation($id: ID!, $input: UpdateOrganizationInput!) { updateOrganization(id: $id, input: $input) { id } }',
          { id: organizationId, input: { name: 'Acme\u0000' } },
        ],
        [
          'idpGroupId',
          'mutation($input: CreateRoleMappingInput!) { createRoleMapping(input: $input) { id } }',
          { input: { connectionId, idpGroupId: 'group\u0000', role: 'viewer' } },
        ],
        ['name', 'mutation { createOrganization(input: { name: "Nul\\u0000Inline" }) { id } }', {}],
        [
          'domain',
          'mutation($id: ID!, $domain: String!) { addDomain(organizationId: $id, domain: $domain) { id } }',
          { id: organizationId, domain: 'x\u0000.com' },
        ],
        [
          'name',
          'mutation($id: ID!, $input: UpdateOrganizationInput!) { updateOrganization(id: $id, input: $input) { id } }',
          { id: organizationId, input: { name: 'half \ud800 pair' } },
        ],
      ];
      for (const [field, query, variables] of cases) {
        const result = await graphql(service.url, PLATFORM_KEY, query, variables);
        expect({ query, code: errorCode(result), field: result.errors?.[0].extensions?.field }).toEqual({
          query,
          code: 'BAD_USER_INPUT',
          field,
        });
      }
      const [{ name }] = await queryDatabase<{ name: string }>(service.databaseUrl, 'SELECT name FROM organizations WHERE id = $1', [
        organizationId,
      ]);
      expect(name).toBe('Hardened');
      expect(await queryDatabase(service.databaseUrl, 'SELECT id FROM role_mappings')).toEqual([]);
    });

    it('in the browser routes’ query strings is never a 500', async () => {
      const urls = [
        `/sso/initiate/${connectionId}?login_hint=a%00b&return_to=${encodeURIComponent(`${service.url}/auth/me\u0000`)}`,
        `/sso/initiate/${connectionId}?iss=a%00`,
        `/sso/callback/${connectionId}?state=a%00&code=b%00`,
        '/sso/discover?email=a%00@x.com',
        '/auth/magic-link/verify?token=a%00',
      ];
      for (const url of urls) {
        const response = await fetch(`${service.url}${url}`, { redirect: 'manual', headers: { accept: 'application/json' } });
        expect({ url, serverError: response.status >= 500 }).toEqual({ url, serverError: false });
      }
    });

    it('in a magic-link request is a 400, and nothing of the kind reached the error log', async () => {
      const response = await fetch(`${service.url}/auth/magic-link`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'a\u0000@x.com' }),
      });
      expect(response.status).toBe(400);
      expect(logLines.filter((line) => /unexpected error|request failed/.test(line))).toEqual([]);
    });
  });

  describe('a name that is only spaces', () => {
    it('is refused as BAD_USER_INPUT naming name, for every name field', async () => {
      const cases: [string, Record<string, unknown>][] = [
        ['mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { id } }', { input: { name: '   ' } }],
        [
          'mutation($id: ID!, $input: UpdateOrganizationInput!) { updateOrganization(id: $id, input: $input) { id } }',
          { id: organizationId, input: { name: ' \t ' } },
        ],
        [
          'mutation($input: CreateConnectionInput!) { createConnection(input: $input) { id } }',
          {
            input: { organizationId, type: 'GENERIC_OIDC', name: '  ', discoveryUrl: rogue.discoveryUrl, clientId: 'c', clientSecret: 's' },
          },
        ],
        [
          'mutation($id: ID!, $input: UpdateConnectionInput!) { updateConnection(id: $id, input: $input) { id } }',
          { id: connectionId, input: { name: '  ' } },
        ],
        [
          'mutation($input: CreateRoleMappingInput!) { createRoleMapping(input: $input) { id } }',
          { input: { connectionId, idpGroupId: 'g1', name: '   ', role: 'viewer' } },
        ],
      ];
      for (const [query, variables] of cases) {
        const result = await graphql(service.url, PLATFORM_KEY, query, variables);
        expect({ query, code: errorCode(result), field: result.errors?.[0].extensions?.field }).toEqual({
          query,
          code: 'BAD_USER_INPUT',
          field: 'name',
        });
      }
      expect(await queryDatabase(service.databaseUrl, "SELECT id FROM organizations WHERE btrim(name) = ''")).toEqual([]);
      expect(await queryDatabase(service.databaseUrl, "SELECT id FROM connections WHERE btrim(name) = ''")).toEqual([]);
    });

    it('is stored trimmed when it has words', async () => {
      const { createOrganization } = await graphqlOk(
        service.url,
        PLATFORM_KEY,
        'mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { id name } }',
        {
          input: { name: '  Padded Corp  ' },
        },
      );
      expect(createOrganization.name).toBe('Padded Corp');
      const { updateConnection } = await graphqlOk(
        service.url,
        PLATFORM_KEY,
        'mutation($id: ID!, $input: UpdateConnectionInput!) { updateConnection(id: $id, input: $input) { name } }',
        {
          id: connectionId,
          input: { name: ' Rogue IdP ' },
        },
      );
      expect(updateConnection.name).toBe('Rogue IdP');
    });
  });
});
