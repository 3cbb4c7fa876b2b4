import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { decodeJwt } from 'jose';
import { PLATFORM_KEY, startTestApp, type TestApp } from './support/app';
import { graphqlOk } from './support/graphql';
import { queryDatabase, type TestDatabase } from './support/database';
import { startTestIdp, type TestIdp } from './support/test-idp';
import { TestBrowser } from './support/browser';
import { addVerifiedDomain } from './support/domains';
import { eventually } from './support/eventually';
import { createApiKey, createConnection } from './support/fixtures';

const DOMAIN = 'globex-sso-test.com';
const APP_ORIGIN = 'https://app.globex-sso-test.com';

/** Okta-shaped logins, linking of identities to users, and the roles cache across two instances. */
describe('Okta logins, identity linking and the roles cache', () => {
  let service: TestApp & { database: TestDatabase };
  let okta: TestIdp;
  let generic: TestIdp;
  let organizationId: string;
  let oktaConnectionId: string;
  let genericConnectionId: string;

  async function signIn(idp: TestIdp, connectionId: string, sub: string, query = '') {
    const browser = new TestBrowser();
    const initiate = await browser.get(`${service.url}/sso/initiate/${connectionId}${query}`);
    expect(initiate.status).toBe(302);
    const authorizationUrl = new URL(initiate.headers.get('location')!);
    const callback = await browser.get(await idp.signIn(authorizationUrl.href, sub), { accept: 'application/json' });
    return { browser, authorizationUrl, callback };
  }

  const me = async (browser: TestBrowser) =>
    (await browser.get(`${service.url}/auth/me`)).json() as Promise<{ user: { id: string; firstName: string; lastName: string } }>;

  beforeAll(async () => {
    okta = await startTestIdp({
      flavour: 'okta',
      accounts: [
        { sub: '00u-kim', email: `kim@${DOMAIN}`, email_verified: true, given_name: 'Kim', family_name: 'Park', groups: ['Everyone'] },
      ],
    });
    generic = await startTestIdp({ accounts: [{ sub: 'generic-kim', email: `Kim@${DOMAIN}`, email_verified: true }] });
    service = await startTestApp({ env: { APP_URL: `${APP_ORIGIN}/home` } });
    organizationId = (await graphqlOk(service.url, PLATFORM_KEY, 'mutation { createOrganization(input: { name: "Globex" }) { id } }'))
      .createOrganization.id;
    await addVerifiedDomain(service.url, organizationId, DOMAIN);
    const oktaConnection = await createConnection(service.url, {
      organizationId,
      type: 'OKTA',
      oktaDomain: okta.origin,
      clientId: 'okta-app',
      clientSecret: 'okta-secret',
    });
    oktaConnectionId = oktaConnection.id;
    okta.registerClient({ clientId: 'okta-app', clientSecret: 'okta-secret', redirectUris: [oktaConnection.redirectUri] });
    const genericConnection = await createConnection(service.url, {
      organizationId,
      type: 'GENERIC_OIDC',
      discoveryUrl: generic.discoveryUrl,
      clientId: 'generic-app',
      clientSecret: 'generic-secret',
    });
    genericConnectionId = genericConnection.id;
    generic.registerClient({ clientId: 'generic-app', clientSecret: 'generic-secret', redirectUris: [genericConnection.redirectUri] });
  });

  afterAll(async () => {
    await service.close();
    await service.database.drop();
    await okta.close();
    await generic.close();
  });

  it('starts the login Okta’s “Initiate login URI” sends, with its login_hint and target_link_uri', async () => {
    const target = `${APP_ORIGIN}/reports?id=7`;
    const query = `?iss=${encodeURIComponent(okta.issuer)}&login_hint=${encodeURIComponent(`kim@${DOMAIN}`)}&target_link_uri=${encodeURIComponent(target)}`;
    const { authorizationUrl, callback } = await signIn(okta, oktaConnectionId, '00u-kim', query);
    expect(authorizationUrl.origin + authorizationUrl.pathname).toBe(okta.authorizationUrl);
    expect(authorizationUrl.searchParams.get('login_hint')).toBe(`kim@${DOMAIN}`);
    expect(callback.status).toBe(302);
    expect(callback.headers.get('location')).toBe(target);

    const otherIssuer = await fetch(`${service.url}/sso/initiate/${oktaConnectionId}?iss=${encodeURIComponent(generic.issuer)}`, {
      headers: { accept: 'application/json' },
    });
    expect(otherIssuer.status).toBe(400);
  });

  it('refreshes a returning user’s names from the IdP and keeps the same user', async () => {
    const first = await me((await signIn(okta, oktaConnectionId, '00u-kim')).browser);
    okta.setAccount({
      sub: '00u-kim',
      email: `kim@${DOMAIN}`,
      email_verified: true,
      given_name: 'Kimberly',
      family_name: 'Park-Lee',
      groups: ['Everyone'],
    });
    const second = await me((await signIn(okta, oktaConnectionId, '00u-kim')).browser);
    expect(second.user).toEqual({ ...first.user, firstName: 'Kimberly', lastName: 'Park-Lee' });
  });

  it('links a second connection of the same organization to the user its email already names', async () => {
    const viaOkta = await me((await signIn(okta, oktaConnectionId, '00u-kim')).browser);
    const viaGeneric = await me((await signIn(generic, genericConnectionId, 'generic-kim')).browser);
    expect(viaGeneric.user.id).toBe(viaOkta.user.id);
    const identities = await queryDatabase<{ connection_id: string; subject: string }>(
      service.databaseUrl,
      'SELECT connection_id, subject FROM sso_identities WHERE user_id = $1 ORDER BY subject',
      [viaOkta.user.id],
    );
    expect(identities).toEqual([
      { connection_id: oktaConnectionId, subject: '00u-kim' },
      { connection_id: genericConnectionId, subject: 'generic-kim' },
    ]);
  });

  it('never lets another organization’s IdP sign in as this organization’s user (nOAuth)', async () => {
    const intruder = await startTestIdp({ accounts: [{ sub: 'kim-elsewhere', email: `kim@${DOMAIN}`, email_verified: true }] });
    try {
      const otherOrganization = (
        await graphqlOk(service.url, PLATFORM_KEY, 'mutation { createOrganization(input: { name: "Initech" }) { id } }')
      ).createOrganization.id;
      const connection = await createConnection(service.url, {
        organizationId: otherOrganization,
        type: 'GENERIC_OIDC',
        discoveryUrl: intruder.discoveryUrl,
        clientId: 'intruder',
        clientSecret: 'intruder-secret',
      });
      intruder.registerClient({ clientId: 'intruder', clientSecret: 'intruder-secret', redirectUris: [connection.redirectUri] });
      const { callback } = await signIn(intruder, connection.id, 'kim-elsewhere');
      expect(callback.status).toBe(403);
      expect(((await callback.json()) as { error: string }).error).toBe('domain_not_allowed');
      const linked = await queryDatabase(service.databaseUrl, 'SELECT 1 FROM sso_identities WHERE connection_id = $1', [connection.id]);
      expect(linked).toEqual([]);
    } finally {
      await intruder.close();
    }
  });

  describe('the roles cache', () => {
    let second: TestApp;
    let rolesKey: string;
    let userId: string;

    beforeAll(async () => {
      second = await startTestApp({ database: service.database });
      rolesKey = (await createApiKey(service.url, organizationId, ['roles:read'])).secret;
      userId = decodeJwt((await signIn(okta, oktaConnectionId, '00u-kim')).browser.cookie('sso_session')!).sub!;
    });

    afterAll(async () => {
      await second.close();
    });

    const rolesOn = async (instance: TestApp, by = `users/${userId}/roles`) => {
      const response = await fetch(`${instance.url}/v1/organizations/${organizationId}/${by}`, {
        headers: { authorization: `Bearer ${rolesKey}` },
      });
      expect(response.status).toBe(200);
      return ((await response.json()) as { roles: string[] }).roles;
    };

    async function eventuallyRoles(instance: TestApp, expected: string[], by?: string): Promise<void> {
      await eventually(async () => expect(await rolesOn(instance, by)).toEqual(expected), { timeoutMs: 3_000 });
    }

    it('answers warm reads from memory and drops them on every instance when roles change', async () => {
      const byEmail = `roles?email=${encodeURIComponent(`kim@${DOMAIN}`)}`;
      expect(await rolesOn(second)).toEqual(['editor']);
      expect(await rolesOn(second, byEmail)).toEqual(['editor']);
      // A write that bypasses the service is invisible to a warm cache: proof the answers come from memory.
      await queryDatabase(service.databaseUrl, "UPDATE memberships SET roles = '{viewer}' WHERE user_id = $1", [userId]);
      expect(await rolesOn(second)).toEqual(['editor']);

      await graphqlOk(service.url, PLATFORM_KEY, 'mutation($input: SetMemberRolesInput!) { setMemberRoles(input: $input) { roles } }', {
        input: { organizationId, userId, roles: ['owner'] },
      });
      expect(await rolesOn(service)).toEqual(['owner']);
      await eventuallyRoles(second, ['owner']);
      await eventuallyRoles(second, ['owner'], byEmail);
    });

    it('drops cached roles on the other instance when a login maps new groups', async () => {
      await graphqlOk(service.url, PLATFORM_KEY, 'mutation($input: SetMemberRolesInput!) { setMemberRoles(input: $input) { roles } }', {
        input: { organizationId, userId, roles: null },
      });
      await graphqlOk(service.url, PLATFORM_KEY, 'mutation($input: CreateRoleMappingInput!) { createRoleMapping(input: $input) { id } }', {
        input: { connectionId: oktaConnectionId, idpGroupId: 'Finance-Admins', role: 'admin' },
      });
      await signIn(okta, oktaConnectionId, '00u-kim');
      await eventuallyRoles(second, ['editor']);
      okta.setAccount({ sub: '00u-kim', email: `kim@${DOMAIN}`, email_verified: true, groups: ['Everyone', 'Finance-Admins'] });
      await signIn(okta, oktaConnectionId, '00u-kim');
      await eventuallyRoles(second, ['admin']);
    });

    it('forgets a removed member on every instance', async () => {
      expect(await rolesOn(second)).toEqual(['admin']);
      await graphqlOk(
        service.url,
        PLATFORM_KEY,
        'mutation($id: ID!, $userId: ID!) { removeMember(organizationId: $id, userId: $userId) }',
        { id: organizationId, userId },
      );
      await eventually(
        async () => {
          const response = await fetch(`${second.url}/v1/organizations/${organizationId}/users/${userId}/roles`, {
            headers: { authorization: `Bearer ${rolesKey}` },
          });
          expect(response.status).toBe(404);
        },
        { timeoutMs: 3_000 },
      );
    });
  });
});
