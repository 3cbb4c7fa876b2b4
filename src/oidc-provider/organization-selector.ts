/** How an application's authorization request names the organization whose IdP signs the person in. */
export type OrganizationSelector =
  | { kind: 'connection'; connectionId: string }
  | { kind: 'organization'; organizationId: string }
  | { kind: 'email'; email: string }
  | { kind: 'none' };

const MAX_EMAIL_LENGTH = 320;

/**
 * The most specific selector the request carries: `connection`, then `organization`, then a
 * `login_hint` that is an email address; none means the person is asked for their work email.
 */
export function selectorOf(params: Record<string, unknown>): OrganizationSelector {
  const text = (name: string) => (typeof params[name] === 'string' && params[name].trim() ? params[name].trim() : undefined);
  const connectionId = text('connection');
  if (connectionId) return { kind: 'connection', connectionId };
  const organizationId = text('organization');
  if (organizationId) return { kind: 'organization', organizationId };
  const email = emailOf(text('login_hint'));
  return email ? { kind: 'email', email } : { kind: 'none' };
}

/** The address, lower-cased, when the text looks like one; undefined otherwise. */
export function emailOf(text: string | undefined): string | undefined {
  const email = text?.trim().toLowerCase();
  return email && email.length <= MAX_EMAIL_LENGTH && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) ? email : undefined;
}
