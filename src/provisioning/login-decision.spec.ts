import { describe, expect, it } from '@jest/globals';
import { decideLogin, type LoginFacts } from './login-decision';

/** A returning SSO member of a JIT organization, unless overridden. */
function facts(overrides: Partial<LoginFacts> = {}): LoginFacts {
  return {
    via: 'sso',
    organization: { jitProvisioning: true, defaultRole: 'editor' },
    email: 'bob@acme.example',
    emailDomain: 'acme.example',
    emailInOrganizationDomains: true,
    emailTrusted: true,
    account: { id: 'account-1', email: 'bob@acme.example', foundBy: 'identity' },
    emailUsedByAnotherAccount: false,
    membership: { roles: ['editor'], rolesManagedManually: false },
    invitation: null,
    groups: [],
    mappedRoles: [],
    ...overrides,
  };
}

const newcomer = { account: null, membership: null } satisfies Partial<LoginFacts>;

describe(decideLogin.name, () => {
  it('admits a returning member as they are', () => {
    expect(decideLogin(facts())).toEqual({
      admitted: true,
      newAccount: false,
      linkIdentity: false,
      newEmail: null,
      newMembership: false,
      acceptInvitationId: null,
      roles: ['editor'],
      rolesChanged: false,
    });
  });

  it('refuses an email outside the organization’s domains (a foreign domain), whatever else holds', () => {
    expect(decideLogin(facts({ emailInOrganizationDomains: false, emailDomain: 'other.example' }))).toMatchObject({
      admitted: false,
      code: 'domain_not_allowed',
      detail: expect.stringContaining('other.example'),
    });
  });

  it('refuses an unverified email, even for a returning member, and links nothing', () => {
    expect(decideLogin(facts({ emailTrusted: false }))).toMatchObject({ admitted: false, code: 'email_not_verified' });
    expect(decideLogin(facts({ ...newcomer, emailTrusted: false }))).toMatchObject({ admitted: false, code: 'email_not_verified' });
  });

  describe('a first login (no account)', () => {
    it('with JIT on: makes the account and the membership with the default role, and links the identity', () => {
      expect(decideLogin(facts(newcomer))).toMatchObject({
        admitted: true,
        newAccount: true,
        linkIdentity: true,
        newMembership: true,
        roles: ['editor'],
        acceptInvitationId: null,
      });
    });

    it('with JIT off and no invitation: user_not_invited', () => {
      expect(decideLogin(facts({ ...newcomer, organization: { jitProvisioning: false, defaultRole: 'editor' } }))).toMatchObject({
        admitted: false,
        code: 'user_not_invited',
      });
    });

    it('with JIT off but invited: admits with the invitation’s role and accepts it', () => {
      const decision = decideLogin(
        facts({ ...newcomer, organization: { jitProvisioning: false, defaultRole: 'editor' }, invitation: { id: 'inv-1', role: 'admin' } }),
      );
      expect(decision).toMatchObject({ admitted: true, newMembership: true, roles: ['admin'], acceptInvitationId: 'inv-1' });
    });

    it('with mapped groups: the mapped roles win over the invitation’s and the default', () => {
      const decision = decideLogin(
        facts({ ...newcomer, invitation: { id: 'inv-1', role: 'viewer' }, groups: ['g-admins', 'g-other'], mappedRoles: ['admin'] }),
      );
      expect(decision).toMatchObject({ admitted: true, roles: ['admin'] });
    });
  });

  it('links a second connection of the same organization to the account found by a trusted email', () => {
    expect(decideLogin(facts({ account: { id: 'account-1', email: 'bob@acme.example', foundBy: 'email' } }))).toMatchObject({
      admitted: true,
      newAccount: false,
      linkIdentity: true,
      newEmail: null,
    });
  });

  describe('roles of a returning member', () => {
    it('follow the mapped groups at every login', () => {
      expect(decideLogin(facts({ groups: ['g-admins'], mappedRoles: ['admin'] }))).toMatchObject({ roles: ['admin'], rolesChanged: true });
    });

    it('fall back to the default when the mapped group is gone', () => {
      expect(decideLogin(facts({ membership: { roles: ['admin'], rolesManagedManually: false } }))).toMatchObject({
        roles: ['editor'],
        rolesChanged: true,
      });
    });

    it('stay as set by hand (manual roles), whatever the groups say', () => {
      const decision = decideLogin(
        facts({ membership: { roles: ['owner'], rolesManagedManually: true }, groups: ['g-admins'], mappedRoles: ['admin'] }),
      );
      expect(decision).toMatchObject({ admitted: true, roles: ['owner'], rolesChanged: false });
    });

    it('get the fallback role on a groups overage (the groups could not be learned, so none are given)', () => {
      const decision = decideLogin(facts({ membership: { roles: ['admin'], rolesManagedManually: false }, groups: [], mappedRoles: [] }));
      expect(decision).toMatchObject({ admitted: true, roles: ['editor'], rolesChanged: true });
    });
  });

  describe('the email the IdP asserts for an account it knows by identity', () => {
    it('follows a change to a free address', () => {
      expect(decideLogin(facts({ email: 'robert@acme.example' }))).toMatchObject({ admitted: true, newEmail: 'robert@acme.example' });
    });

    it('refuses a change to an address another account of the organization has (email_in_use), never merging', () => {
      expect(decideLogin(facts({ email: 'ann@acme.example', emailUsedByAnotherAccount: true }))).toMatchObject({
        admitted: false,
        code: 'email_in_use',
      });
    });
  });

  describe('a magic link (an email link)', () => {
    const link = { via: 'email_link', groups: null, mappedRoles: [] } satisfies Partial<LoginFacts>;

    it('admits a member with their roles unchanged and links no identity', () => {
      const decision = decideLogin(
        facts({
          ...link,
          account: { id: 'account-1', email: 'bob@acme.example', foundBy: 'email' },
          membership: { roles: ['admin'], rolesManagedManually: false },
        }),
      );
      expect(decision).toMatchObject({ admitted: true, linkIdentity: false, roles: ['admin'], rolesChanged: false });
    });

    it('admits an invited person with the invitation’s role', () => {
      expect(decideLogin(facts({ ...link, ...newcomer, invitation: { id: 'inv-1', role: 'viewer' } }))).toMatchObject({
        admitted: true,
        newAccount: true,
        roles: ['viewer'],
      });
    });

    it('never provisions just in time', () => {
      expect(decideLogin(facts({ ...link, ...newcomer }))).toMatchObject({ admitted: false, code: 'user_not_invited' });
    });
  });
});
