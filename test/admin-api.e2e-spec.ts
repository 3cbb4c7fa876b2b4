import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import { PLATFORM_KEY, startTestApp, type TestApp } from './support/app';
import { errorCode, graphql, graphqlOk } from './support/graphql';
import { queryDatabase, type TestDatabase } from './support/database';
import { startTestIdp, type TestIdp } from './support/test-idp';

const ENTRA_TENANT = '6f1c2e3a-1b2c-4d5e-8f90-0123456789ab';
const CLIENT_SECRET = 'super-secret-client-value-Zq9X';

const CREATE_ORGANIZATION = `mutation($input: CreateOrganizationInput!) {
  createOrganization(input: $input) { id name slug jitProvisioning defaultRole ssoRequired roles { slug name } } }`;
const ADD_DOMAIN = `mutation($organizationId: ID!, $domain: String!) { addDomain(organizationId: $organizationId, domain: $domain) { id domain organizationId status } }`;
const MARK_DOMAIN_VERIFIED = 'mutation($id: ID!) { markDomainVerified(id: $id) { id status } }';
const CREATE_CONNECTION = `mutation($input: CreateConnectionInput!) { createConnection(input: $input) {
  id organizationId name type state clientId clientSecretHint clientSecretExpiresAt issuer redirectUri initiateLoginUri groupsClaim } }`;
const CREATE_API_KEY = `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { id organizationId scopes prefix } } }`;

describe('the GraphQL admin API', () => {
  let service: TestApp & { database: TestDatabase };
  let entra: TestIdp;
  let okta: TestIdp;
  let generic: TestIdp;
  let notJson: Server;
  let notJsonUrl: string;
  const responses: string[] = [];

  async function call(apiKey: string | undefined, query: string, variables: Record<string, unknown> = {}) {
    const result = await graphql(service.url, apiKey, query, variables);
    responses.push(JSON.stringify(result));
    return result;
  }

  async function ok<T = Record<string, any>>(apiKey: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const data = await graphqlOk<T>(service.url, apiKey, query, variables);
    responses.push(JSON.stringify(data));
    return data;
  }

  async function organizationWithKey(name: string) {
    const { createOrganization } = await ok(PLATFORM_KEY, CREATE_ORGANIZATION, { input: { name } });
    const { createApiKey } = await ok(PLATFORM_KEY, CREATE_API_KEY, {
      input: { organizationId: createOrganization.id, scopes: ['admin'] },
    });
    return { id: createOrganization.id as string, key: createApiKey.secret as string };
  }

  beforeAll(async () => {
    entra = await startTestIdp({ flavour: 'entra', tenantId: ENTRA_TENANT });
    okta = await startTestIdp({ flavour: 'okta', authorizationServerId: 'default' });
    generic = await startTestIdp({ flavour: 'generic' });
    notJson = createServer((req, res) => {
      if (req.url === '/implicit-only/.well-known/openid-configuration') {
        const issuer = `${notJsonUrl}/implicit-only`;
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            issuer,
            authorization_endpoint: `${issuer}/auth`,
            token_endpoint: `${issuer}/token`,
            jwks_uri: `${issuer}/jwks`,
            response_types_supported: ['id_token'],
          }),
        );
        return;
      }
      res.end('<html>hello</html>');
    }).listen(0, '127.0.0.1');
    await new Promise((done) => notJson.once('listening', done));
    notJsonUrl = `http://127.0.0.1:${(notJson.address() as { port: number }).port}`;
    service = await startTestApp({ env: { ENTRA_AUTHORITY: entra.origin, PUBLIC_URL: 'http://sso.localhost:3000' } });
  });

  afterAll(async () => {
    await service.close();
    await service.database.drop();
    await Promise.all([entra.close(), okta.close(), generic.close()]);
    notJson.close();
  });

  describe('organizations', () => {
    it('creates one with a derived slug, the defaults and the built-in roles', async () => {
      const { createOrganization } = await ok(PLATFORM_KEY, CREATE_ORGANIZATION, { input: { name: 'Ünïcode Trading GmbH' } });
      expect(createOrganization).toMatchObject({
        slug: 'unicode-trading-gmbh',
        jitProvisioning: true,
        defaultRole: 'editor',
        ssoRequired: false,
      });
      expect(createOrganization.roles.map((role: { slug: string }) => role.slug)).toEqual(['owner', 'admin', 'editor', 'viewer']);
      const again = await ok(PLATFORM_KEY, CREATE_ORGANIZATION, { input: { name: 'Ünïcode Trading GmbH' } });
      expect(again.createOrganization.slug).toBe('unicode-trading-gmbh-2');
    });

    it('refuses a taken slug and an unknown default role, naming the field', async () => {
      await ok(PLATFORM_KEY, CREATE_ORGANIZATION, { input: { name: 'Taken', slug: 'taken-slug' } });
      const taken = await call(PLATFORM_KEY, CREATE_ORGANIZATION, { input: { name: 'Other', slug: 'taken-slug' } });
      expect(errorCode(taken)).toBe('BAD_USER_INPUT');
      expect(taken.errors![0].message).toMatch(/^slug/);
      const role = await call(PLATFORM_KEY, CREATE_ORGANIZATION, { input: { name: 'Other', defaultRole: 'superuser' } });
      expect(errorCode(role)).toBe('BAD_USER_INPUT');
      expect(role.errors![0].message).toMatch(/defaultRole/);
    });

    it('refuses ssoRequired before any connection has a verified sign-in', async () => {
      const { id } = await organizationWithKey('Lockout Guard Ltd');
      const result = await call(
        PLATFORM_KEY,
        'mutation($id: ID!) { updateOrganization(id: $id, input: { ssoRequired: true }) { ssoRequired } }',
        { id },
      );
      expect(errorCode(result)).toBe('BAD_USER_INPUT');
      expect(result.errors![0].message).toMatch(/ssoRequired/);
    });

    it('updates settings and writes an audit event with the changes', async () => {
      const { id, key } = await organizationWithKey('Audited Inc');
      const { updateOrganization } = await ok(
        key,
        'mutation($id: ID!) { updateOrganization(id: $id, input: { jitProvisioning: false, defaultRole: "viewer" }) { jitProvisioning defaultRole } }',
        { id },
      );
      expect(updateOrganization).toEqual({ jitProvisioning: false, defaultRole: 'viewer' });
      const { auditEvents } = await ok(key, 'query($id: ID!) { auditEvents(organizationId: $id) { action actor targetId at } }', { id });
      expect(auditEvents[0]).toMatchObject({ action: 'organization.updated', targetId: id, actor: expect.stringMatching(/^api_key:/) });
      expect(auditEvents.map((event: { action: string }) => event.action)).toContain('organization.created');
    });
  });

  describe('domains', () => {
    it('normalises a domain and refuses free-mail, public suffixes and a second owner of a verified one without naming it', async () => {
      const first = await organizationWithKey('Domain Owner');
      const second = await organizationWithKey('Domain Claimer');
      const { addDomain } = await ok(first.key, ADD_DOMAIN, { organizationId: first.id, domain: 'Owner-Example.COM' });
      expect(addDomain).toMatchObject({ domain: 'owner-example.com', organizationId: first.id, status: 'PENDING' });
      await ok(PLATFORM_KEY, MARK_DOMAIN_VERIFIED, { id: addDomain.id });
      for (const domain of [
        'gmail.com',
        'outlook.com',
        'yahoo.com',
        'co.uk',
        'mail.google.com',
        'owner-example.com.',
        'javascript:alert(1)',
      ]) {
        const refused = await call(first.key, ADD_DOMAIN, { organizationId: first.id, domain });
        expect(errorCode(refused)).toBe('BAD_USER_INPUT');
        expect(refused.errors![0].extensions!.field).toBe('domain');
      }
      const claimed = await call(second.key, ADD_DOMAIN, { organizationId: second.id, domain: 'owner-example.com' });
      expect(errorCode(claimed)).toBe('BAD_USER_INPUT');
      expect(claimed.errors![0].message).not.toContain('Domain Owner');
      expect(claimed.errors![0].message).not.toContain(first.id);
    });

    it('removes a domain of its own organization only', async () => {
      const owner = await organizationWithKey('Remover');
      const stranger = await organizationWithKey('Stranger');
      const { addDomain } = await ok(owner.key, ADD_DOMAIN, { organizationId: owner.id, domain: 'remover-example.com' });
      const foreign = await call(stranger.key, 'mutation($id: ID!) { removeDomain(id: $id) }', { id: addDomain.id });
      expect(errorCode(foreign)).toBe('NOT_FOUND');
      const missing = await call(stranger.key, 'mutation($id: ID!) { removeDomain(id: $id) }', {
        id: '00000000-0000-4000-8000-000000000000',
      });
      expect(foreign.errors![0].message).toBe(missing.errors![0].message);
      expect(await ok(owner.key, 'mutation($id: ID!) { removeDomain(id: $id) }', { id: addDomain.id })).toEqual({ removeDomain: true });
    });
  });

  describe('connections', () => {
    it('creates an Entra ID connection from the tenant id through discovery', async () => {
      const { id, key } = await organizationWithKey('Entra Customer');
      const { createConnection } = await ok(key, CREATE_CONNECTION, {
        input: {
          organizationId: id,
          type: 'ENTRA_ID',
          entraTenant: ENTRA_TENANT,
          clientId: 'entra-client',
          clientSecret: CLIENT_SECRET,
          clientSecretExpiresAt: '2027-06-30T00:00:00.000Z',
        },
      });
      expect(createConnection).toMatchObject({
        type: 'ENTRA_ID',
        state: 'ACTIVE',
        name: 'Microsoft Entra ID',
        clientSecretHint: 'Zq9X',
        clientSecretExpiresAt: '2027-06-30T00:00:00.000Z',
        issuer: entra.issuer,
        groupsClaim: 'groups',
        redirectUri: `http://sso.localhost:3000/sso/callback/${createConnection.id}`,
        initiateLoginUri: `http://sso.localhost:3000/sso/initiate/${createConnection.id}`,
      });
      const [stored] = await queryDatabase<{ client_secret_encrypted: string; authorization_url: string }>(
        service.databaseUrl,
        'SELECT client_secret_encrypted, authorization_url FROM connections WHERE id = $1',
        [createConnection.id],
      );
      expect(stored.client_secret_encrypted).not.toContain(CLIENT_SECRET);
      expect(stored.client_secret_encrypted).toMatch(/^v1:/);
      expect(stored.authorization_url).toBe(entra.authorizationUrl);
    });

    it.each(['common', 'organizations', 'consumers'])('refuses the multi-tenant Entra alias %s', async (tenant) => {
      const { id, key } = await organizationWithKey(`Entra ${tenant}`);
      const result = await call(key, CREATE_CONNECTION, {
        input: { organizationId: id, type: 'ENTRA_ID', entraTenant: tenant, clientId: 'c', clientSecret: 's' },
      });
      expect(errorCode(result)).toBe('BAD_USER_INPUT');
      expect(result.errors![0].extensions!.field).toBe('entraTenant');
    });

    it('creates an Okta connection on a custom authorization server and a generic one by discovery or by hand', async () => {
      const { id, key } = await organizationWithKey('Multi IdP');
      const oktaConnection = await ok(key, CREATE_CONNECTION, {
        input: {
          organizationId: id,
          type: 'OKTA',
          oktaDomain: okta.origin,
          authorizationServerId: 'default',
          clientId: 'okta-client',
          clientSecret: 'okta-secret',
        },
      });
      expect(oktaConnection.createConnection.issuer).toBe(okta.issuer);
      const byDiscovery = await ok(key, CREATE_CONNECTION, {
        input: {
          organizationId: id,
          type: 'GENERIC_OIDC',
          discoveryUrl: generic.discoveryUrl,
          clientId: 'g',
          clientSecret: 'generic-secret',
        },
      });
      expect(byDiscovery.createConnection.issuer).toBe(generic.issuer);
      const manual = await ok(key, CREATE_CONNECTION, {
        input: {
          organizationId: id,
          type: 'GENERIC_OIDC',
          issuer: generic.issuer,
          authorizationUrl: generic.authorizationUrl,
          tokenUrl: generic.tokenUrl,
          jwksUrl: generic.jwksUrl,
          clientId: 'm',
          clientSecret: 'manual-secret',
          groupsClaim: 'roles',
        },
      });
      expect(manual.createConnection).toMatchObject({ issuer: generic.issuer, groupsClaim: 'roles' });
      const { organization } = await ok(key, 'query($id: ID!) { organization(id: $id) { connections { type roleMappings { id } } } }', {
        id,
      });
      expect(organization.connections.map((connection: { type: string }) => connection.type)).toEqual([
        'OKTA',
        'GENERIC_OIDC',
        'GENERIC_OIDC',
      ]);
    });

    it('refuses an unreachable IdP, a non-JSON answer, a wrong issuer and a non-https URL', async () => {
      const { id, key } = await organizationWithKey('Broken IdPs');
      const attempt = (discoveryUrl: string) =>
        call(key, CREATE_CONNECTION, {
          input: { organizationId: id, type: 'GENERIC_OIDC', discoveryUrl, clientId: 'c', clientSecret: 's' },
        });
      const unreachable = await attempt('http://127.0.0.1:9/.well-known/openid-configuration');
      expect(unreachable.errors![0].message).toMatch(/discoveryUrl: could not be reached/);
      const html = await attempt(`${notJsonUrl}/.well-known/openid-configuration`);
      expect(html.errors![0].message).toMatch(/discoveryUrl: did not answer with JSON/);
      const wrongIssuer = await call(key, CREATE_CONNECTION, {
        input: {
          organizationId: id,
          type: 'GENERIC_OIDC',
          discoveryUrl: generic.discoveryUrl,
          issuer: 'https://elsewhere.example.com',
          clientId: 'c',
          clientSecret: 's',
        },
      });
      expect(wrongIssuer.errors![0].message).toMatch(/declares another issuer than the expected/);
      const implicitOnly = await attempt(`${notJsonUrl}/implicit-only/.well-known/openid-configuration`);
      expect(implicitOnly.errors![0].message).toMatch(/does not support the authorization code flow/);
      const plainHttp = await attempt('http://idp.example.com/.well-known/openid-configuration');
      expect(plainHttp.errors![0].message).toMatch(/https/);
      const script = await attempt('javascript:alert(1)');
      for (const result of [unreachable, html, wrongIssuer, implicitOnly, plainHttp, script])
        expect(errorCode(result)).toBe('BAD_USER_INPUT');
      const [{ count }] = await queryDatabase<{ count: string }>(
        service.databaseUrl,
        'SELECT count(*) FROM connections WHERE organization_id = $1',
        [id],
      );
      expect(count).toBe('0');
    });

    it('moves a generic connection to another IdP by its discovery URL alone, and to manual endpoints', async () => {
      const { id, key } = await organizationWithKey('Moving IdP');
      const { createConnection } = await ok(key, CREATE_CONNECTION, {
        input: {
          organizationId: id,
          type: 'GENERIC_OIDC',
          discoveryUrl: generic.discoveryUrl,
          clientId: 'moving',
          clientSecret: 'moving-secret',
        },
      });
      const update = 'mutation($id: ID!, $input: UpdateConnectionInput!) { updateConnection(id: $id, input: $input) { issuer } }';
      expect((await ok(key, update, { id: createConnection.id, input: { discoveryUrl: okta.discoveryUrl } })).updateConnection).toEqual({
        issuer: okta.issuer,
      });
      const manual = {
        issuer: generic.issuer,
        authorizationUrl: generic.authorizationUrl,
        tokenUrl: generic.tokenUrl,
        jwksUrl: generic.jwksUrl,
      };
      expect((await ok(key, update, { id: createConnection.id, input: manual })).updateConnection).toEqual({ issuer: generic.issuer });
    });

    it('rotates the secret on update and bumps the version, and maps groups to roles', async () => {
      const { id, key } = await organizationWithKey('Rotation');
      const { createConnection } = await ok(key, CREATE_CONNECTION, {
        input: {
          organizationId: id,
          type: 'GENERIC_OIDC',
          discoveryUrl: generic.discoveryUrl,
          clientId: 'g',
          clientSecret: 'first-secret-AAAA',
        },
      });
      const { updateConnection } = await ok(
        key,
        'mutation($id: ID!, $input: UpdateConnectionInput!) { updateConnection(id: $id, input: $input) { clientSecretHint name state } }',
        {
          id: createConnection.id,
          input: { clientSecret: 'second-secret-BBBB', name: 'Renamed', state: 'INACTIVE' },
        },
      );
      expect(updateConnection).toEqual({ clientSecretHint: 'BBBB', name: 'Renamed', state: 'INACTIVE' });
      const [{ version }] = await queryDatabase<{ version: number }>(service.databaseUrl, 'SELECT version FROM connections WHERE id = $1', [
        createConnection.id,
      ]);
      expect(version).toBe(2);
      const mapping = await ok(
        key,
        'mutation($input: CreateRoleMappingInput!) { createRoleMapping(input: $input) { id connectionId idpGroupId name role } }',
        {
          input: { connectionId: createConnection.id, idpGroupId: 'grp-admins', name: 'Admins', role: 'admin' },
        },
      );
      expect(mapping.createRoleMapping).toMatchObject({ idpGroupId: 'grp-admins', role: 'admin' });
      const duplicate = await call(key, 'mutation($input: CreateRoleMappingInput!) { createRoleMapping(input: $input) { id } }', {
        input: { connectionId: createConnection.id, idpGroupId: 'grp-admins', role: 'viewer' },
      });
      expect(duplicate.errors![0].message).toMatch(/^idpGroupId/);
      const badRole = await call(key, 'mutation($input: CreateRoleMappingInput!) { createRoleMapping(input: $input) { id } }', {
        input: { connectionId: createConnection.id, idpGroupId: 'x', role: 'root' },
      });
      expect(errorCode(badRole)).toBe('BAD_USER_INPUT');
      expect(await ok(key, 'mutation($id: ID!) { deleteConnection(id: $id) }', { id: createConnection.id })).toEqual({
        deleteConnection: true,
      });
      const [{ count }] = await queryDatabase<{ count: string }>(
        service.databaseUrl,
        'SELECT count(*) FROM role_mappings WHERE connection_id = $1',
        [createConnection.id],
      );
      expect(count).toBe('0');
    });
  });

  describe('invitations, members and roles', () => {
    it('invites an email of the organization’s domains, updates on re-invite and refuses other domains', async () => {
      const { id, key } = await organizationWithKey('Inviter');
      const { addDomain } = await ok(key, ADD_DOMAIN, { organizationId: id, domain: 'inviter-example.com' });
      const pending = await call(key, 'mutation($input: InviteUserInput!) { inviteUser(input: $input) { id } }', {
        input: { organizationId: id, email: 'bob@inviter-example.com' },
      });
      expect(pending.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'email' } });
      await ok(PLATFORM_KEY, MARK_DOMAIN_VERIFIED, { id: addDomain.id });
      const invite = 'mutation($input: InviteUserInput!) { inviteUser(input: $input) { id email role organizationId } }';
      const first = await ok(key, invite, { input: { organizationId: id, email: 'Bob@Inviter-Example.com' } });
      expect(first.inviteUser).toMatchObject({ email: 'bob@inviter-example.com', role: 'editor', organizationId: id });
      const again = await ok(key, invite, { input: { organizationId: id, email: 'bob@inviter-example.com', role: 'admin' } });
      expect(again.inviteUser).toMatchObject({ id: first.inviteUser.id, role: 'admin' });
      const [{ count }] = await queryDatabase<{ count: string }>(
        service.databaseUrl,
        'SELECT count(*) FROM invitations WHERE organization_id = $1',
        [id],
      );
      expect(count).toBe('1');
      const outside = await call(key, invite, { input: { organizationId: id, email: 'eve@gmail.com' } });
      expect(outside.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'email' } });
    });

    it('lists members and answers userRoles by id or email to a roles:read key', async () => {
      const { id, key } = await organizationWithKey('Members Inc');
      const [user] = await queryDatabase<{ id: string }>(
        service.databaseUrl,
        "INSERT INTO users (organization_id, email, first_name) VALUES ($1, 'carol@members-example.com', 'Carol') RETURNING id",
        [id],
      );
      await queryDatabase(
        service.databaseUrl,
        "INSERT INTO memberships (organization_id, user_id, roles) VALUES ($1, $2, '{admin,viewer}')",
        [id, user.id],
      );
      const { members } = await ok(
        key,
        'query($id: ID!) { members(organizationId: $id) { organizationId roles user { id email firstName } } }',
        { id },
      );
      expect(members).toEqual([
        { organizationId: id, roles: ['admin', 'viewer'], user: { id: user.id, email: 'carol@members-example.com', firstName: 'Carol' } },
      ]);
      const { createApiKey } = await ok(key, CREATE_API_KEY, { input: { organizationId: id, scopes: ['roles:read'] } });
      const rolesQuery = 'query($id: ID!, $userId: ID, $email: String) { userRoles(organizationId: $id, userId: $userId, email: $email) }';
      expect(await ok(createApiKey.secret, rolesQuery, { id, userId: user.id })).toEqual({ userRoles: ['admin', 'viewer'] });
      expect(await ok(createApiKey.secret, rolesQuery, { id, email: 'CAROL@members-example.com' })).toEqual({
        userRoles: ['admin', 'viewer'],
      });
      expect(await ok(createApiKey.secret, rolesQuery, { id, email: 'nobody@members-example.com' })).toEqual({ userRoles: [] });
      expect(errorCode(await call(createApiKey.secret, 'query($id: ID!) { members(organizationId: $id) { roles } }', { id }))).toBe(
        'FORBIDDEN',
      );
    });
  });

  describe('tenant isolation', () => {
    it('never lets an organization key read or change another organization', async () => {
      const victim = await organizationWithKey('Victim Corp');
      const attacker = await organizationWithKey('Attacker Corp');
      const { addDomain } = await ok(victim.key, ADD_DOMAIN, { organizationId: victim.id, domain: 'victim-example.com' });
      await ok(PLATFORM_KEY, MARK_DOMAIN_VERIFIED, { id: addDomain.id });
      const { createConnection } = await ok(victim.key, CREATE_CONNECTION, {
        input: {
          organizationId: victim.id,
          type: 'GENERIC_OIDC',
          discoveryUrl: generic.discoveryUrl,
          clientId: 'v',
          clientSecret: 'victim-secret',
        },
      });
      const { createRoleMapping } = await ok(
        victim.key,
        'mutation($input: CreateRoleMappingInput!) { createRoleMapping(input: $input) { id } }',
        {
          input: { connectionId: createConnection.id, idpGroupId: 'g', role: 'viewer' },
        },
      );
      const { inviteUser } = await ok(
        victim.key,
        'mutation($id: ID!) { inviteUser(input: { organizationId: $id, email: "new@victim-example.com" }) { id } }',
        { id: victim.id },
      );
      const [victimUser] = await queryDatabase<{ id: string }>(
        service.databaseUrl,
        "INSERT INTO users (organization_id, email) VALUES ($1, 'member@victim-example.com') RETURNING id",
        [victim.id],
      );
      await queryDatabase(service.databaseUrl, "INSERT INTO memberships (organization_id, user_id, roles) VALUES ($1, $2, '{editor}')", [
        victim.id,
        victimUser.id,
      ]);
      const unknownId = '00000000-0000-4000-8000-000000000001';
      const operations: [string, string, Record<string, unknown>, Record<string, unknown>][] = [
        ['organization', 'query($id: ID!) { organization(id: $id) { id } }', { id: victim.id }, { id: unknownId }],
        ['connection', 'query($id: ID!) { connection(id: $id) { id } }', { id: createConnection.id }, { id: unknownId }],
        ['auditEvents', 'query($id: ID!) { auditEvents(organizationId: $id) { id } }', { id: victim.id }, { id: unknownId }],
        [
          'updateOrganization',
          'mutation($id: ID!) { updateOrganization(id: $id, input: { name: "pwned" }) { id } }',
          { id: victim.id },
          { id: unknownId },
        ],
        [
          'addDomain',
          'mutation($id: ID!) { addDomain(organizationId: $id, domain: "attacker-example.com") { id } }',
          { id: victim.id },
          { id: unknownId },
        ],
        ['removeDomain', 'mutation($id: ID!) { removeDomain(id: $id) }', { id: addDomain.id }, { id: unknownId }],
        ['verifyDomain', 'mutation($id: ID!) { verifyDomain(id: $id) { id } }', { id: addDomain.id }, { id: unknownId }],
        ['markDomainVerified', MARK_DOMAIN_VERIFIED, { id: addDomain.id }, { id: unknownId }],
        [
          'createConnection',
          'mutation($id: ID!) { createConnection(input: { organizationId: $id, type: GENERIC_OIDC, discoveryUrl: "http://127.0.0.1:9/x", clientId: "x", clientSecret: "y" }) { id } }',
          { id: victim.id },
          { id: unknownId },
        ],
        [
          'updateConnection',
          'mutation($id: ID!) { updateConnection(id: $id, input: { name: "pwned" }) { id } }',
          { id: createConnection.id },
          { id: unknownId },
        ],
        ['deleteConnection', 'mutation($id: ID!) { deleteConnection(id: $id) }', { id: createConnection.id }, { id: unknownId }],
        [
          'createRoleMapping',
          'mutation($id: ID!) { createRoleMapping(input: { connectionId: $id, idpGroupId: "x", role: "owner" }) { id } }',
          { id: createConnection.id },
          { id: unknownId },
        ],
        ['deleteRoleMapping', 'mutation($id: ID!) { deleteRoleMapping(id: $id) }', { id: createRoleMapping.id }, { id: unknownId }],
        [
          'createApiKey',
          'mutation($id: ID!) { createApiKey(input: { organizationId: $id, scopes: ["admin"] }) { secret } }',
          { id: victim.id },
          { id: unknownId },
        ],
        [
          'inviteUser',
          'mutation($id: ID!) { inviteUser(input: { organizationId: $id, email: "x@victim-example.com" }) { id } }',
          { id: victim.id },
          { id: unknownId },
        ],
        ['members', 'query($id: ID!) { members(organizationId: $id) { roles } }', { id: victim.id }, { id: unknownId }],
        [
          'setMemberRoles',
          `mutation($id: ID!) { setMemberRoles(input: { organizationId: $id, userId: "${victimUser.id}", roles: ["owner"] }) { roles } }`,
          { id: victim.id },
          { id: unknownId },
        ],
        [
          'removeMember',
          `mutation($id: ID!) { removeMember(organizationId: $id, userId: "${victimUser.id}") }`,
          { id: victim.id },
          { id: unknownId },
        ],
        ['invitations', 'query($id: ID!) { invitations(organizationId: $id) { id } }', { id: victim.id }, { id: unknownId }],
        ['revokeInvitation', 'mutation($id: ID!) { revokeInvitation(id: $id) }', { id: inviteUser.id }, { id: unknownId }],
        [
          'userRoles',
          'query($id: ID!) { userRoles(organizationId: $id, email: "a@victim-example.com") }',
          { id: victim.id },
          { id: unknownId },
        ],
      ];
      for (const [name, query, victimVariables, unknownVariables] of operations) {
        const onVictim = await call(attacker.key, query, victimVariables);
        const onNothing = await call(attacker.key, query, unknownVariables);
        // The same answer for another tenant's record as for one that does not exist.
        expect({ name, result: onVictim.data ?? null, errors: onVictim.errors?.map((e) => [e.message, e.extensions?.code]) }).toEqual({
          name,
          result: onNothing.data ?? null,
          errors: onNothing.errors?.map((e) => [e.message, e.extensions?.code]),
        });
        expect(JSON.stringify(onVictim)).not.toContain('victim');
      }
      const [membership] = await queryDatabase<{ roles: string[] }>(
        service.databaseUrl,
        'SELECT roles FROM memberships WHERE user_id = $1',
        [victimUser.id],
      );
      expect(membership.roles).toEqual(['editor']);
      const { organizations } = await ok(attacker.key, '{ organizations { id } }');
      expect(organizations).toEqual([{ id: attacker.id }]);
      const { connection } = await ok(victim.key, 'query($id: ID!) { connection(id: $id) { name } }', { id: createConnection.id });
      expect(connection.name).toBe('OpenID Connect');
      const platformKeyAttempt = await call(attacker.key, 'mutation { createApiKey(input: { scopes: ["admin"] }) { secret } }');
      expect(errorCode(platformKeyAttempt)).toBe('FORBIDDEN');
    });

    it('refuses a roles:read key on admin operations and a missing or wrong key', async () => {
      const { id } = await organizationWithKey('Scoped');
      const { createApiKey } = await ok(PLATFORM_KEY, CREATE_API_KEY, { input: { organizationId: id, scopes: ['roles:read'] } });
      expect(createApiKey.secret).toMatch(new RegExp(`^${createApiKey.apiKey.prefix}_`));
      expect(errorCode(await call(createApiKey.secret, '{ organizations { id } }'))).toBe('FORBIDDEN');
      expect(errorCode(await call(undefined, '{ organizations { id } }'))).toBe('UNAUTHENTICATED');
      expect(errorCode(await call('sk_nope_nope', '{ organizations { id } }'))).toBe('UNAUTHENTICATED');
      const [{ secret_hash: hash }] = await queryDatabase<{ secret_hash: string }>(
        service.databaseUrl,
        'SELECT secret_hash FROM api_keys WHERE id = $1',
        [createApiKey.apiKey.id],
      );
      expect(hash).not.toContain(createApiKey.secret);
    });
  });

  describe('bad input', () => {
    const huge = 'x'.repeat(100_000);
    const values = ['', huge, 'javascript:alert(1)', '👾💥 ünïcödé', "'; DROP TABLE organizations; --"];

    it('answers every mutation with a 4xx-class error, never a 500, and writes nothing half-way', async () => {
      const { id, key } = await organizationWithKey('Fuzzed');
      const cases: [string, (value: unknown) => Record<string, unknown>][] = [
        [CREATE_ORGANIZATION, (value) => ({ input: { name: value, slug: value } })],
        [
          'mutation($id: ID!, $input: UpdateOrganizationInput!) { updateOrganization(id: $id, input: $input) { id } }',
          (value) => ({ id, input: { name: value, defaultRole: value } }),
        ],
        [ADD_DOMAIN, (value) => ({ organizationId: id, domain: value })],
        [
          CREATE_CONNECTION,
          (value) => ({ input: { organizationId: id, type: 'GENERIC_OIDC', discoveryUrl: value, clientId: value, clientSecret: value } }),
        ],
        [
          CREATE_CONNECTION,
          (value) => ({ input: { organizationId: id, type: 'ENTRA_ID', entraTenant: value, clientId: 'c', clientSecret: 's' } }),
        ],
        [
          CREATE_CONNECTION,
          (value) => ({ input: { organizationId: id, type: 'OKTA', oktaDomain: value, clientId: 'c', clientSecret: 's' } }),
        ],
        [
          'mutation($input: CreateRoleMappingInput!) { createRoleMapping(input: $input) { id } }',
          (value) => ({ input: { connectionId: value, idpGroupId: value, role: value } }),
        ],
        [CREATE_API_KEY, (value) => ({ input: { organizationId: value, scopes: [value] } })],
        ['mutation($id: ID!) { removeDomain(id: $id) }', (value) => ({ id: value })],
        ['mutation($id: ID!) { verifyDomain(id: $id) { id } }', (value) => ({ id: value })],
        [
          'mutation($id: ID!, $input: UpdateConnectionInput!) { updateConnection(id: $id, input: $input) { id } }',
          (value) => ({ id: value, input: { name: value, discoveryUrl: value } }),
        ],
        ['mutation($id: ID!) { deleteRoleMapping(id: $id) }', (value) => ({ id: value })],
        [
          'mutation($input: InviteUserInput!) { inviteUser(input: $input) { id } }',
          (value) => ({ input: { organizationId: id, email: value, role: value } }),
        ],
        [
          'mutation($input: SetMemberRolesInput!) { setMemberRoles(input: $input) { roles } }',
          (value) => ({ input: { organizationId: id, userId: value, roles: [value], resources: [value] } }),
        ],
        ['mutation($id: ID!) { deleteConnection(id: $id) }', (value) => ({ id: value })],
      ];
      for (const [query, variablesFor] of cases) {
        for (const value of [...values, 42, { nested: true }, null]) {
          const result = await call(key, query, variablesFor(value));
          // null on an optional update field means "leave it": the one value allowed to succeed.
          const outcome = result.errors
            ? errorCode(result)
            : value === null && query.includes('updateOrganization')
              ? 'UNCHANGED'
              : 'ACCEPTED';
          expect({ query: query.slice(0, 40), value: String(value).slice(0, 20), status: result.status < 500, outcome }).toEqual({
            query: query.slice(0, 40),
            value: String(value).slice(0, 20),
            status: true,
            outcome: expect.stringMatching(/^(BAD_USER_INPUT|NOT_FOUND|FORBIDDEN|UNCHANGED)$/),
          });
        }
      }
      const [{ count }] = await queryDatabase<{ count: string }>(
        service.databaseUrl,
        'SELECT count(*) FROM connections WHERE organization_id = $1',
        [id],
      );
      expect(count).toBe('0');
    }, 120000);

    it('refuses queries that select too much', async () => {
      const nested = '{ organizations { connections { roleMappings { id } } } }';
      expect((await call(PLATFORM_KEY, nested)).errors).toBeUndefined();
      const tooWide = await call(PLATFORM_KEY, `{ organizations { ${'__typename '.repeat(400)} } }`);
      expect(tooWide.status).toBe(400);
      expect(tooWide.errors![0]).toMatchObject({ extensions: { code: 'GRAPHQL_VALIDATION_FAILED', limit: 'cost' } });
    });
  });

  it('never returns a stored client secret in any response', () => {
    expect(responses.length).toBeGreaterThan(50);
    for (const response of responses) {
      for (const secret of [
        CLIENT_SECRET,
        'okta-secret',
        'generic-secret',
        'manual-secret',
        'first-secret-AAAA',
        'second-secret-BBBB',
        'victim-secret',
      ]) {
        expect(response).not.toContain(secret);
      }
      expect(response).not.toMatch(/v1:[0-9a-f]{8}:/);
    }
  });
});
