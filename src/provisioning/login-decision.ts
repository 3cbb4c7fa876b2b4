import { LoginRefusalCode } from './login-refused.error';
import { rolesFromGroups, sameRoles } from '../role-mapping/roles-from-groups';

/**
 * Everything a login decides on, read once (ProvisioningRepository.loginFacts) for one
 * organization: an SSO login, a test sign-in and a magic link all hand theirs to `decideLogin`.
 */
export interface LoginFacts {
  /** How the person proved who they are: an IdP (SSO, test sign-in) or a link mailed to them. */
  via: 'sso' | 'email_link';
  organization: { jitProvisioning: boolean; defaultRole: string };
  /** The email asserted (normalised). */
  email: string;
  emailDomain: string;
  emailInOrganizationDomains: boolean;
  /** `isEmailTrusted`'s answer. */
  emailTrusted: boolean;
  /** The organization's account the login names: by its identity (connection, sub), else by email. */
  account: { id: string; email: string; foundBy: 'identity' | 'email' } | null;
  /** Another account of the organization already has the asserted email. */
  emailUsedByAnotherAccount: boolean;
  membership: { roles: string[]; rolesManagedManually: boolean } | null;
  /** A pending invitation of the email (only looked for when there is no membership). */
  invitation: { id: string; role: string } | null;
  /** The IdP's groups, or null when this way in says nothing about groups (a magic link). */
  groups: readonly string[] | null;
  /** The roles the groups map to on the connection. */
  mappedRoles: readonly string[];
}

export type LoginDecision =
  | { admitted: false; code: LoginRefusalCode; detail: string }
  | {
      admitted: true;
      /** No account yet: one is made for the email in the organization. */
      newAccount: boolean;
      /** The identity (connection, sub) is to be linked to the account (new, or found by email). */
      linkIdentity: boolean;
      /** The IdP changed the email of the account it knows by identity: the account's new email. */
      newEmail: string | null;
      /** Not a member yet: becomes one (accepting this invitation, if any). */
      newMembership: boolean;
      acceptInvitationId: string | null;
      roles: string[];
      /** An existing membership's roles are to be replaced by `roles`. */
      rolesChanged: boolean;
    };

/** Who may sign in, as which account, with which roles: the one rule, pure. */
export function decideLogin(facts: LoginFacts): LoginDecision {
  if (!facts.emailInOrganizationDomains) {
    return refuse(LoginRefusalCode.DOMAIN_NOT_ALLOWED, `${facts.emailDomain || 'the email’s domain'} is not a domain of the organization`);
  }
  if (!facts.emailTrusted) {
    return refuse(
      LoginRefusalCode.EMAIL_NOT_VERIFIED,
      'the IdP does not say the email is verified, and the connection does not vouch for it',
    );
  }
  const account = facts.account;
  const emailChanges = account !== null && account.foundBy === 'identity' && account.email !== facts.email;
  if (emailChanges && facts.emailUsedByAnotherAccount) {
    // Never merged: the other account may be someone else's.
    return refuse(
      LoginRefusalCode.EMAIL_IN_USE,
      `the IdP changed the account’s email to ${facts.email}, which another account of the organization has`,
    );
  }
  const membership = facts.membership;
  const jit = facts.via === 'sso' && facts.organization.jitProvisioning;
  if (!membership && !facts.invitation && !jit) {
    return refuse(
      LoginRefusalCode.USER_NOT_INVITED,
      facts.via === 'sso' ? 'invite-only organization and no pending invitation' : 'neither a member nor invited',
    );
  }
  const fallbackRole = facts.invitation?.role ?? facts.organization.defaultRole;
  let roles: string[];
  if (membership && (membership.rolesManagedManually || facts.groups === null)) roles = membership.roles;
  else roles = rolesFromGroups(facts.mappedRoles, facts.groups ?? [], fallbackRole);
  return {
    admitted: true,
    newAccount: account === null,
    linkIdentity: facts.via === 'sso' && account?.foundBy !== 'identity',
    newEmail: emailChanges ? facts.email : null,
    newMembership: membership === null,
    acceptInvitationId: membership === null ? (facts.invitation?.id ?? null) : null,
    roles,
    rolesChanged: membership !== null && !sameRoles(membership.roles, roles),
  };
}

function refuse(code: LoginRefusalCode, detail: string): LoginDecision {
  return { admitted: false, code, detail };
}
