import { describe, expect, it } from '@jest/globals';
import {
  CONFIRMATION_COOKIE_PREFIX,
  confirmationCookieName,
  confirmationMatches,
  confirmationPage,
  newConfirmationSecret,
} from './magic-link-confirmation';

describe(confirmationMatches.name, () => {
  const secret = newConfirmationSecret();

  it.each([
    ['the same secret', secret, secret, true],
    ['no cookie', undefined, secret, false],
    ['an empty cookie and form', '', '', false],
    ['no form value', secret, undefined, false],
    ['another secret', secret, newConfirmationSecret(), false],
    ['a prefix of it', secret, secret.slice(0, 10), false],
    ['a value that is not a string', secret, [secret], false],
  ])('%s → %s', (_name, cookie, form, expected) => {
    expect(confirmationMatches(cookie, form)).toBe(expected);
  });
});

describe(confirmationCookieName.name, () => {
  it('is one name per link, which does not reveal the token', () => {
    const name = confirmationCookieName('token-one');
    expect(name.startsWith(CONFIRMATION_COOKIE_PREFIX)).toBe(true);
    expect(name).toBe(confirmationCookieName('token-one'));
    expect(name).not.toBe(confirmationCookieName('token-two'));
    expect(name).not.toContain('token-one');
  });
});

describe(confirmationPage.name, () => {
  it('names the account and organization, escaped, with a form that posts the token and secret', () => {
    const html = confirmationPage(
      { email: 'a@b.com', organizationName: '<Acme & "Co">' },
      'https://sso.example.com/auth/magic-link/verify',
      'tok',
      'sec',
    );
    expect(html).toContain('&lt;Acme &amp; &quot;Co&quot;&gt;');
    expect(html).not.toContain('<Acme');
    expect(html).toContain('<strong>a@b.com</strong>');
    expect(html).toContain('<form method="post" action="https://sso.example.com/auth/magic-link/verify">');
    expect(html).toContain('<input type="hidden" name="token" value="tok">');
    expect(html).toContain('<input type="hidden" name="confirmation" value="sec">');
    expect(html).not.toContain('<script');
  });
});
