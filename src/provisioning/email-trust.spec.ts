import { describe, expect, it } from '@jest/globals';
import { isEmailTrusted } from './email-trust';

describe(isEmailTrusted.name, () => {
  const noVouch = { presetVouchesForOwnDomains: false, inOrganizationDomains: true };

  it.each([true, 'true'])('trusts email_verified %p', (claim) => {
    expect(isEmailTrusted(claim, noVouch)).toBe(true);
  });

  it.each([false, 'false', 0, 1, 'TRUE', 'yes', null, undefined, {}])(
    'does not trust email_verified %p without a preset that vouches',
    (claim) => {
      expect(isEmailTrusted(claim, noVouch)).toBe(false);
    },
  );

  it('trusts an unverified email when the preset vouches and the email is in the organization’s domains', () => {
    expect(isEmailTrusted(undefined, { presetVouchesForOwnDomains: true, inOrganizationDomains: true })).toBe(true);
  });

  it('does not let a preset vouch for an email outside the organization’s domains', () => {
    expect(isEmailTrusted(undefined, { presetVouchesForOwnDomains: true, inOrganizationDomains: false })).toBe(false);
  });

  it.each([false, 'false', 0])('does not let a preset vouch against an IdP that says email_verified %p', (claim) => {
    expect(isEmailTrusted(claim, { presetVouchesForOwnDomains: true, inOrganizationDomains: true })).toBe(false);
  });
});
