import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { decodeJwt } from 'jose';
import { PLATFORM_KEY, startTestApp, type TestApp } from './support/app';
import { graphqlOk } from './support/graphql';
import { queryDatabase, type TestDatabase } from './support/database';
import { startRogueIdp, type RogueIdp } from './support/rogue-idp';
import { TestBrowser } from './support/browser';
import { addVerifiedDomain } from './support/domains';
import { createApiKey, createConnection } from './support/fixtures';

/**
 * The holes of issue 12, each as an attacker would try it: an organization reaching another's
 * people through a moved domain, an unverified email linking to a member, and simultaneous first
 * logins making more accounts than people-per-organization.
 */
describe('accounts belong to one organization', () => {
  let service: TestApp & { database: TestDatabase };
  const idps: RogueIdp[] = [];

  const gql = (query: string, variables: Record<string, unknown> = {}) => graphqlOk(service.url, PLATFORM_KEY, query, variables);

  async function organization(name: string, domain: string | null) {
    const { createOrganization } = await gql('mutation($name: String!) { createOrganization(input: { name: $name }) { id } }', { name });
    const id = createOrganization.id as string;
    const domainId = domain ? await addVerifiedDomain(service.url, id, domain) : null;
    return { id, domainId };
  }

  /** A GENERIC_OIDC connection of the organization to a rogue IdP of its own. */
  async function connectionTo(organizationId: string) {
    const idp = await startRogueIdp();
    idps.push(idp);
    const connection = await createConnection(service.url, {
      organizationId,
      type: 'GENERIC_OIDC',
      discoveryUrl: idp.discoveryUrl,
      clientId: 'app',
      clientSecret: 'secret',
    });
    return { idp, connectionId: connection.id };
  }

  async function login(idp: RogueIdp, connectionId: string, claims: Record<string, unknown>) {
    idp.behaviour.defect = 'none';
    idp.behaviour.claims = claims;
    const browser = new TestBrowser();
    const initiate = await browser.get(`${service.url}/sso/initiate/${connectionId}`);
    const callback = await browser.get(await idp.signIn(initiate.headers.get('location')!), { accept: 'application/json' });
    const token = browser.cookie('sso_session');
    return {
      status: callback.status,
      body: callback.status >= 400 ? ((await callback.json()) as { error: string }) : null,
      userId: token ? decodeJwt(token).sub! : null,
    };
  }

  async function rolesKey(organizationId: string): Promise<string> {
    return (await createApiKey(service.url, organizationId, ['roles:read'])).secret;
  }

  const rolesByEmail = async (organizationId: string, key: string, email: string) => {
    const response = await fetch(`${service.url}/v1/organizations/${organizationId}/roles?email=${encodeURIComponent(email)}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    return {
      status: response.status,
      body: response.status === 200 ? ((await response.json()) as { userId: string; roles: string[] }) : null,
    };
  };

  beforeAll(async () => {
    service = await startTestApp();
  });

  afterAll(async () => {
    await service.close();
    await service.database.drop();
    await Promise.all(idps.map((idp) => idp.close()));
  });

  it('a domain moved from V to A: A’s IdP asserting bob@ with a new sub gets a new account; V’s Bob and V’s roles API are untouched', async () => {
    const v = await organization('Victim Org', 'moved-sso-test.com');
    const vIdp = await connectionTo(v.id);
    const vBob = await login(vIdp.idp, vIdp.connectionId, {
      sub: 'bob-at-v',
      email: 'bob@moved-sso-test.com',
      email_verified: true,
      given_name: 'Bob',
      family_name: 'Victim',
    });
    expect(vBob.status).toBe(302);
    await gql('mutation($input: SetMemberRolesInput!) { setMemberRoles(input: $input) { roles } }', {
      input: { organizationId: v.id, userId: vBob.userId, roles: ['admin'] },
    });
    const vKey = await rolesKey(v.id);
    const vRolesBefore = await rolesByEmail(v.id, vKey, 'bob@moved-sso-test.com');
    expect(vRolesBefore).toEqual({ status: 200, body: expect.objectContaining({ userId: vBob.userId, roles: ['admin'] }) });
    const [vBobRowBefore] = await queryDatabase(service.databaseUrl, 'SELECT * FROM users WHERE id = $1', [vBob.userId]);

    // V lets the domain go; A claims it.
    await gql('mutation($id: ID!) { removeDomain(id: $id) }', { id: v.domainId });
    const a = await organization('Attacker Org', 'moved-sso-test.com');
    const aIdp = await connectionTo(a.id);
    const aBob = await login(aIdp.idp, aIdp.connectionId, {
      sub: 'bob-at-a',
      email: 'bob@moved-sso-test.com',
      email_verified: true,
      given_name: 'Robert',
      family_name: 'Attacker',
    });
    expect(aBob.status).toBe(302);
    expect(aBob.userId).not.toBe(vBob.userId);
    // A second login at A changing the email moves only A's account.
    const aBobAgain = await login(aIdp.idp, aIdp.connectionId, {
      sub: 'bob-at-a',
      email: 'bob.new@moved-sso-test.com',
      email_verified: true,
    });
    expect(aBobAgain.userId).toBe(aBob.userId);

    expect(await queryDatabase(service.databaseUrl, 'SELECT * FROM users WHERE id = $1', [vBob.userId])).toEqual([vBobRowBefore]);
    const aAccounts = await queryDatabase<{ id: string; organization_id: string; email: string }>(
      service.databaseUrl,
      'SELECT id, organization_id, email FROM users WHERE organization_id = $1',
      [a.id],
    );
    expect(aAccounts).toEqual([{ id: aBob.userId, organization_id: a.id, email: 'bob.new@moved-sso-test.com' }]);
    expect(await queryDatabase(service.databaseUrl, 'SELECT organization_id FROM memberships WHERE user_id = $1', [vBob.userId])).toEqual([
      { organization_id: v.id },
    ]);
    expect(await rolesByEmail(v.id, vKey, 'bob@moved-sso-test.com')).toEqual(vRolesBefore);
    expect(await rolesByEmail(v.id, vKey, 'bob.new@moved-sso-test.com')).toEqual({ status: 404, body: null });
  });

  describe('an email the IdP does not say is verified', () => {
    let organizationId: string;
    let idp: RogueIdp;
    let connectionId: string;
    let carolId: string;

    beforeAll(async () => {
      ({ id: organizationId } = await organization('Unverified Org', 'unverified-sso-test.com'));
      ({ idp, connectionId } = await connectionTo(organizationId));
      const carol = await login(idp, connectionId, { sub: 'carol', email: 'carol@unverified-sso-test.com', email_verified: true });
      expect(carol.status).toBe(302);
      carolId = carol.userId!;
    });

    it.each([
      ['the string "false"', 'false'],
      ['0', 0],
      ['absent', undefined],
      ['the boolean false', false],
    ])(
      'is refused as email_not_verified when email_verified is %s, and never links to the member with that email',
      async (_label, emailVerified) => {
        const claims: Record<string, unknown> = { sub: 'mallory', email: 'Carol@unverified-sso-test.com', email_verified: emailVerified };
        if (emailVerified === undefined) delete claims.email_verified;
        const attempt = await login(idp, connectionId, claims);
        expect(attempt.status).toBe(403);
        expect(attempt.body?.error).toBe('email_not_verified');
        expect(attempt.userId).toBeNull();
        expect(
          await queryDatabase(service.databaseUrl, 'SELECT subject FROM sso_identities WHERE user_id = $1 ORDER BY subject', [carolId]),
        ).toEqual([{ subject: 'carol' }]);
        expect(await queryDatabase(service.databaseUrl, "SELECT id FROM sso_identities WHERE subject = 'mallory'")).toEqual([]);
        expect(
          await queryDatabase(service.databaseUrl, 'SELECT count(*)::int AS n FROM users WHERE organization_id = $1', [organizationId]),
        ).toEqual([{ n: 1 }]);
      },
    );

    it('is refused alike by a test sign-in, which reports email_not_verified', async () => {
      const { testConnection } = await gql('mutation($id: ID!) { testConnection(id: $id) { url } }', { id: connectionId });
      idp.behaviour.claims = { sub: 'mallory', email: 'carol@unverified-sso-test.com', email_verified: 'false' };
      const browser = new TestBrowser();
      const start = await browser.get(testConnection.url);
      const report = await browser.get(await idp.signIn(start.headers.get('location')!), { accept: 'application/json' });
      expect(await report.json()).toMatchObject({ succeeded: false, problems: [{ code: 'email_not_verified', blocksLogin: true }] });
    });

    it('links a second connection of the same organization by a verified email, spelled in another case', async () => {
      const second = await connectionTo(organizationId);
      const again = await login(second.idp, second.connectionId, {
        sub: 'carol-elsewhere',
        email: 'CAROL@Unverified-SSO-Test.com',
        email_verified: 'true',
      });
      expect(again.status).toBe(302);
      expect(again.userId).toBe(carolId);
    });
  });

  it('turns 25 simultaneous first logins of one person in two organizations into exactly two accounts', async () => {
    const first = await organization('Race One', 'race-one-sso-test.com');
    const second = await organization('Race Two', 'race-two-sso-test.com');
    const one = await connectionTo(first.id);
    const two = await connectionTo(second.id);
    // The same person (one IdP account, `racer`) in both; half the logins spell the email in capitals.
    const claimsAt = (domain: string, i: number) => ({
      sub: 'racer',
      email: i % 2 ? `RACER@${domain.toUpperCase()}` : `racer@${domain}`,
      email_verified: true,
    });
    one.idp.behaviour.claims = claimsAt('race-one-sso-test.com', 0);
    two.idp.behaviour.claims = claimsAt('race-two-sso-test.com', 1);
    const started = await Promise.all(
      Array.from({ length: 25 }, async (_, i) => {
        const target = i % 2 ? two : one;
        const browser = new TestBrowser();
        const initiate = await browser.get(`${service.url}/sso/initiate/${target.connectionId}`);
        return { browser, callbackUrl: await target.idp.signIn(initiate.headers.get('location')!) };
      }),
    );
    const statuses = await Promise.all(
      started.map(({ browser, callbackUrl }) => browser.get(callbackUrl).then((response) => response.status)),
    );
    expect(statuses).toEqual(Array(25).fill(302));
    const accounts = await queryDatabase<{ organization_id: string; email: string; memberships: number; identities: number }>(
      service.databaseUrl,
      `SELECT u.organization_id, u.email,
         (SELECT count(*)::int FROM memberships m WHERE m.user_id = u.id) AS memberships,
         (SELECT count(*)::int FROM sso_identities i WHERE i.user_id = u.id) AS identities
       FROM users u WHERE u.organization_id IN ($1, $2) ORDER BY u.email`,
      [first.id, second.id],
    );
    expect(accounts).toEqual([
      { organization_id: first.id, email: 'racer@race-one-sso-test.com', memberships: 1, identities: 1 },
      { organization_id: second.id, email: 'racer@race-two-sso-test.com', memberships: 1, identities: 1 },
    ]);
  });
});
