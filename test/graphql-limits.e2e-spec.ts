import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PLATFORM_KEY, startTestApp, type TestApp } from './support/app';
import { graphql, graphqlOk } from './support/graphql';
import { queryDatabase, type TestDatabase } from './support/database';

/** 10 fragments, each spreading the next one 10 times: 10^9 selections once expanded, ~750 bytes written. */
function fragmentBomb(): string {
  const names = 'abcdefghij';
  const fragments = Array.from(
    { length: 9 },
    (_, level) => `fragment ${names[level]} on Organization{${`...${names[level + 1]} `.repeat(10)}}`,
  );
  return `{organizations{...a}} ${fragments.join(' ')} fragment j on Organization{id}`;
}

describe('GraphQL limits (GraphQL Armor)', () => {
  let service: TestApp & { database: TestDatabase };

  beforeAll(async () => {
    service = await startTestApp();
  });

  afterAll(async () => {
    await service.close();
    await service.database.drop();
  });

  it('refuses an anonymous fragment bomb at once, while the service keeps answering', async () => {
    const bomb = fragmentBomb();
    expect(bomb.length).toBeLessThan(800);
    const refusal = graphql(service.url, undefined, bomb);
    // Sent while the bomb is in flight; a service busy expanding fragments would not answer in time.
    const health = await fetch(`${service.url}/health`, { signal: AbortSignal.timeout(5000) });
    expect(health.status).toBe(200);
    const result = await refusal;
    expect(result.status).toBe(400);
    expect(result.data ?? null).toBeNull();
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED' });
    expect(result.errors?.[0].message).toMatch(/^query refused by the (cost|depth) limit/);
    // A second bomb and a real request together: both answered, the real one with data.
    const [second, real] = await Promise.all([
      graphql(service.url, undefined, bomb),
      fetch(`${service.url}/health`, { signal: AbortSignal.timeout(5000) }),
    ]);
    expect(second.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(real.status).toBe(200);
  });

  it('refuses 150 aliased mutations in one request, before any of them runs', async () => {
    const { createOrganization } = await graphqlOk(
      service.url,
      PLATFORM_KEY,
      'mutation { createOrganization(input: { name: "Aliased" }) { id } }',
    );
    const { addDomain } = await graphqlOk(
      service.url,
      PLATFORM_KEY,
      'mutation($id: ID!) { addDomain(organizationId: $id, domain: "aliased-test.com") { id } }',
      {
        id: createOrganization.id,
      },
    );
    const mutations = Array.from({ length: 150 }, (_, index) => `m${index}: removeDomain(id: $id)`).join(' ');
    const result = await graphql(service.url, PLATFORM_KEY, `mutation($id: ID!) { ${mutations} }`, { id: addDomain.id });
    expect(result.status).toBe(400);
    expect(result.data ?? null).toBeNull();
    expect(result.errors?.[0]).toMatchObject({ extensions: { code: 'GRAPHQL_VALIDATION_FAILED', limit: 'aliases' } });
    expect(result.errors?.[0].message).toMatch(/^query refused by the aliases limit: Aliases limit of 15 exceeded, found 150/);
    expect(await queryDatabase(service.databaseUrl, 'SELECT id FROM domains WHERE id = $1', [addDomain.id])).toHaveLength(1);
  });

  it('refuses documents too deep, too costly, too long or with too many directives, naming the limit', async () => {
    const cases: [string, string][] = [
      ['depth', '{ organizations { connections { roleMappings { id } } } }'.replace('id', 'a { b { c { d { e { f { id } } } } } }')],
      ['cost', `{ organizations { ${'__typename '.repeat(400)} } }`],
      ['tokens', `{ organizations { ${'id '.repeat(2100)} } }`],
      ['directives', `{ organizations { id ${'@include(if: true) '.repeat(11)} } }`],
    ];
    for (const [limit, query] of cases) {
      const result = await graphql(service.url, PLATFORM_KEY, query);
      expect({ limit, status: result.status, code: result.errors?.[0].extensions?.code, message: result.errors?.[0].message }).toEqual({
        limit,
        status: 400,
        code: 'GRAPHQL_VALIDATION_FAILED',
        message: expect.stringMatching(new RegExp(`^query refused by the ${limit} limit`)),
      });
    }
  });

  it('lets the admin API’s real nested queries through', async () => {
    const result = await graphql(
      service.url,
      PLATFORM_KEY,
      '{ organizations { id name slug domains { id domain } connections { id name type state clientId clientSecretHint issuer redirectUri initiateLoginUri groupsClaim roleMappings { id idpGroupId name role } } roles { slug name } } }',
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.organizations).toEqual(expect.any(Array));
  });

  it('suggests field names outside production', async () => {
    const result = await graphql(service.url, PLATFORM_KEY, '{ organizationz { id } }');
    expect(result.errors?.[0].message).toMatch(/Did you mean "organization/);
  });
});
