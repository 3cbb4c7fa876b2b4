import { describe, expect, it } from '@jest/globals';
import { emailDomain, normaliseEnterpriseDomain } from './domain-rules';
import { BadInputError } from '../common/errors';

describe(normaliseEnterpriseDomain.name, () => {
  it.each([
    ['Acme-Corp.COM', 'acme-corp.com'],
    ['eu.acme-corp.com.', 'eu.acme-corp.com'],
    ['bücher.de', 'xn--bcher-kva.de'],
    ['  example.co.uk ', 'example.co.uk'],
  ])('normalises %s to %s', (input, expected) => {
    expect(normaliseEnterpriseDomain(input)).toBe(expected);
  });

  it.each(['gmail.com', 'outlook.com', 'yahoo.com', 'hotmail.com', 'GMail.com', 'co.uk', 'com', 'localhost', '127.0.0.1', 'not a domain', 'a@b.com', 'acme.invalidtld', ''])(
    'refuses %j',
    (input) => {
      expect(() => normaliseEnterpriseDomain(input)).toThrow(BadInputError);
    },
  );

  it('names the field in its error', () => {
    expect(() => normaliseEnterpriseDomain('gmail.com')).toThrow(/^domain: .*free-mail/);
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
