import { domainToASCII, domainToUnicode } from 'node:url';
import { parse } from 'tldts';
import freeMailDomains from 'email-providers';
import { BadInputError } from '../common/errors';

/**
 * Consumer web-mail hosts under a company's own domain, which the free-mail list (mail domains
 * such as gmail.com, yahoo.com) misses. google.com itself stays claimable: it is a company.
 */
const WEBMAIL_HOSTS = ['mail.google.com', 'outlook.office.com', 'outlook.office365.com'];
const FREE_MAIL = new Set<string>([...freeMailDomains, ...WEBMAIL_HOSTS]);

/** The label under which the verification TXT record is published: `_sso-challenge.<domain>`. */
export const CHALLENGE_LABEL = '_sso-challenge';
const MAX_NAME_LENGTH = 253;
/** The longest domain whose challenge name still fits in a DNS name. */
export const MAX_DOMAIN_LENGTH = MAX_NAME_LENGTH - CHALLENGE_LABEL.length - 1;
const MAX_LABEL_LENGTH = 63;

/**
 * An organization's email domain, normalised (lower case, punycode) and checked: a registrable
 * domain or a subdomain of one under a real public suffix, short enough for its challenge
 * record, and neither a free-mail or consumer provider nor a name under one (their users
 * belong to no organization). A trailing dot is refused rather than guessed away.
 */
export function normaliseEnterpriseDomain(input: string, field = 'domain'): string {
  const trimmed = input.trim();
  if (trimmed.endsWith('.')) throw new BadInputError(field, 'must not end with a dot (write example.com, not example.com.)');
  if (!trimmed || trimmed.length > MAX_NAME_LENGTH || /[\s/@:?#\\]/.test(trimmed)) {
    throw new BadInputError(field, 'must be a domain name such as example.com');
  }
  const ascii = domainToASCII(trimmed.toLowerCase());
  if (!ascii) throw new BadInputError(field, 'must be a valid domain name');
  if (ascii.length > MAX_DOMAIN_LENGTH) {
    throw new BadInputError(
      field,
      `is too long: at most ${MAX_DOMAIN_LENGTH} characters in its ASCII (punycode) form, so that ${CHALLENGE_LABEL}.<domain> fits in DNS`,
    );
  }
  if (ascii.split('.').some((label) => label.length === 0 || label.length > MAX_LABEL_LENGTH)) {
    throw new BadInputError(field, `must have labels of 1 to ${MAX_LABEL_LENGTH} characters between its dots`);
  }
  const parsed = parse(ascii);
  if (parsed.isIp || !parsed.isIcann || !parsed.domain || parsed.hostname !== ascii) {
    throw new BadInputError(field, 'must be a registrable domain (such as example.com) or a subdomain of one');
  }
  if (ancestorsOf(ascii).some((name) => FREE_MAIL.has(name))) {
    throw new BadInputError(
      field,
      'is a free-mail or consumer domain (or a name under one); only an organization’s own domains are allowed',
    );
  }
  return ascii;
}

/** The name itself and every parent of it: a.b.example.com, b.example.com, example.com, com. */
function ancestorsOf(name: string): string[] {
  const labels = name.split('.');
  return labels.map((_label, index) => labels.slice(index).join('.'));
}

/** The Unicode form of a punycode domain, for people (xn--bcher-kva.de → bücher.de). */
export function unicodeDomain(ascii: string): string {
  return domainToUnicode(ascii) || ascii;
}

/** The domain of an email address, lower case and punycode; undefined when malformed. */
export function emailDomain(email: string): string | undefined {
  const at = email.lastIndexOf('@');
  if (at < 1 || at === email.length - 1) return undefined;
  return (
    domainToASCII(
      email
        .slice(at + 1)
        .toLowerCase()
        .replace(/\.$/, ''),
    ) || undefined
  );
}
