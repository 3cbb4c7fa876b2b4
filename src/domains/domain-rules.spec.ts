import { describe, expect, it } from '@jest/globals';
import { emailDomain, MAX_DOMAIN_LENGTH, normaliseEnterpriseDomain, unicodeDomain } from './domain-rules';
import { BadInputError } from '../common/errors';

describe(normaliseEnterpriseDomain.name, () => {
  it.each([
    ['Acme-Corp.COM', 'acme-corp.com'],
    ['eu.acme-corp.com', 'eu.acme-corp.com'],
    ['bücher.de', 'xn--bcher-kva.de'],
    ['  example.co.uk ', 'example.co.uk'],
    ['google.com', 'google.com'],
  ])('normalises %s to %s', (input, expected) => {
    expect(normaliseEnterpriseDomain(input)).toBe(expected);
  });

  it.each([
    'gmail.com',
    'outlook.com',
    'yahoo.com',
    'hotmail.com',
    'GMail.com',
    'co.uk',
    'com',
    'localhost',
    '127.0.0.1',
    'not a domain',
    'a@b.com',
    'acme.invalidtld',
    '',
  ])('refuses %j', (input) => {
    expect(() => normaliseEnterpriseDomain(input)).toThrow(BadInputError);
  });

  it.each([
    'mail.google.com',
    'x.mail.google.com',
    'eu.gmail.com',
    'a.b.yahoo.com',
    'MAIL.Google.com',
    'outlook.office365.com',
    'x.10.dns-cloud.net',
  ])('refuses %j, a name under a free-mail domain', (input) => {
    expect(() => normaliseEnterpriseDomain(input)).toThrow(/^domain: .*free-mail/);
  });

  it('refuses a trailing dot instead of guessing', () => {
    expect(() => normaliseEnterpriseDomain('acme-corp.com.')).toThrow(/^domain: must not end with a dot/);
  });

  it('refuses a name whose challenge record would not fit in DNS, counting its punycode form', () => {
    const label = 'a'.repeat(60);
    const longest = `${[label, label, label].join('.')}.${'b'.repeat(MAX_DOMAIN_LENGTH - 3 * 61 - 4)}.com`;
    expect(longest).toHaveLength(MAX_DOMAIN_LENGTH);
    expect(normaliseEnterpriseDomain(longest)).toBe(longest);
    expect(() => normaliseEnterpriseDomain(`a${longest}`)).toThrow(/^domain: is too long/);
    // Short enough in Unicode, too long once in punycode.
    const unicode = Array.from({ length: 4 }, () => `ü${'a'.repeat(54)}`).join('.') + '.de';
    expect(unicode.length).toBeLessThan(MAX_DOMAIN_LENGTH);
    expect(() => normaliseEnterpriseDomain(unicode)).toThrow(/^domain: is too long/);
  });

  it('refuses a label longer than 63 characters', () => {
    expect(() => normaliseEnterpriseDomain(`${'a'.repeat(64)}.com`)).toThrow(/^domain: must have labels of 1 to 63/);
  });

  it('names the field in its error', () => {
    expect(() => normaliseEnterpriseDomain('gmail.com')).toThrow(/^domain: .*free-mail/);
  });
});

describe(unicodeDomain.name, () => {
  it('shows the Unicode form of a punycode domain and leaves ASCII alone', () => {
    expect(unicodeDomain('xn--bcher-kva.de')).toBe('bücher.de');
    expect(unicodeDomain('acme.com')).toBe('acme.com');
  });
});

describe(emailDomain.name, () => {
  it('takes the part after the last @, lower case and punycode', () => {
    expect(emailDomain('Ann@Acme-Corp.com')).toBe('acme-corp.com');
    expect(emailDomain('x@bücher.de')).toBe('xn--bcher-kva.de');
    expect(emailDomain('no-at-sign')).toBeUndefined();
    expect(emailDomain('trailing@')).toBeUndefined();
  });
});
