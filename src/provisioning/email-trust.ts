/**
 * Whether the email a login asserts may be relied on: to link an existing account of the
 * organization, to accept an invitation, to become a member. The one place this rule lives.
 *
 * Trusted only when the IdP says `email_verified` is true (the boolean, or the string "true" that
 * some IdPs send), or when the connection's preset vouches for emails in the organization's own
 * domains (see `vouchesForEmailsInOwnDomains` in connections/presets.ts) and the IdP says nothing
 * about it: a preset vouches for what its IdP leaves unsaid, never against an IdP that says the
 * email is not verified. Anything else (`false`, `"false"`, `0`, absent without a vouching
 * preset) is untrusted.
 */
export function isEmailTrusted(
  emailVerified: unknown,
  vouch: { presetVouchesForOwnDomains: boolean; inOrganizationDomains: boolean },
): boolean {
  if (emailVerified === true || emailVerified === 'true') return true;
  return emailVerified === undefined && vouch.presetVouchesForOwnDomains && vouch.inOrganizationDomains;
}
