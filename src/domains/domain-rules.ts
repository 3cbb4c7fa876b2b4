import { domainToASCII } from 'node:url';
import { parse } from 'tldts';
import freeMailDomains from 'email-providers';
import { BadInputError } from '../common/errors';

const FREE_MAIL = new Set<string>(freeMailDomains);

/**
 * An organization's email domain, normalised (lower case, punycode, no trailing dot) and
 * checked: a registrable domain or a subdomain of one under a real public suffix, and not a
 * free-mail or consumer provider, whose users belong to no organization.
 */
export function normaliseEnterpriseDomain(input: string, field = 'domain'): string {
  const trimmed = input.trim().replace(/\.$/, '');
  if (!trimmed || trimmed.length > 253 || /[\s/@:?#]/.test(trimmed)) {
    throw new BadInputError(field, 'must be a domain name such as example.com');
  }
  const ascii = domainToASCII(trimmed.toLowerCase());
  if (!ascii) throw new BadInputError(field, 'must be a valid domain name');
  const parsed = parse(ascii);
  if (parsed.isIp || !parsed.isIcann || !parsed.domain || parsed.hostname !== ascii) {
    throw new BadInputError(field, 'must be a registrable domain (such as example.com) or a subdomain of one');
  }
  if (FREE_MAIL.has(ascii) || FREE_MAIL.has(parsed.domain)) {
    throw new BadInputError(field, 'is a free-mail or consumer domain; only an organization’s own domains are allowed');
  }
  return ascii;
}

/** The domain of an email address, lower case and punycode; undefined when malformed. */
export function emailDomain(email: string): string | undefined {
  const at = email.lastIndexOf('@');
  if (at < 1 || at === email.length - 1) return undefined;
  return domainToASCII(email.slice(at + 1).toLowerCase().replace(/\.$/, '')) || undefined;
}
