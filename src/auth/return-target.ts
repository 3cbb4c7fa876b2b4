/** Where a login may end: the allowed origins, never a login route of this service. */
export interface ReturnTargetPolicy {
  /** Origins (scheme://host[:port]) a login may return to; APP_URL's among them. */
  allowedReturnOrigins: readonly string[];
  /** Where a login ends when the requested target is refused. */
  appUrl: string;
  /** This service's PUBLIC_URL: paths under it that start a login are never a target. */
  publicUrl: string;
}

/** This service's routes that start or finish a login: a target there would chain one login into another. */
const LOGIN_ROUTE_PREFIXES = ['/sso', '/oidc', '/auth/magic-link'];
/** Percent-decoding rounds before a path that still decodes further is refused as a trick. */
const MAX_DECODING_ROUNDS = 3;
const MAX_TARGET_LENGTH = 2048;

/**
 * A path as a router in front of or inside the service might read it: percent-decoded until
 * stable, backslashes as slashes, repeated slashes collapsed, dot segments resolved, lower case
 * (Express matches routes case-insensitively). Null when it cannot be decoded.
 */
export function normalisedPath(path: string): string | null {
  let decoded = path;
  for (let round = 0; ; round++) {
    let next: string;
    try {
      next = decodeURIComponent(decoded);
    } catch {
      return null;
    }
    if (next === decoded) break;
    if (round === MAX_DECODING_ROUNDS) return null;
    decoded = next;
  }
  const segments: string[] = [];
  for (const segment of decoded.replace(/\\/g, '/').split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  return `/${segments.join('/')}`.toLowerCase();
}

/**
 * The path is (or is under) a login route of this service: at the origin's root, or under
 * PUBLIC_URL's own path when it has one (a proxy may serve the service at either). A path that
 * cannot be decoded counts as one.
 */
export function isLoginRoute(path: string, publicUrl: string): boolean {
  const normalised = normalisedPath(path);
  if (normalised === null) return true;
  const base = normalisedPath(new URL(publicUrl).pathname) ?? '/';
  const bases = base === '/' ? [''] : ['', base];
  return bases.some((prefix) =>
    LOGIN_ROUTE_PREFIXES.some((route) => normalised === prefix + route || normalised.startsWith(`${prefix}${route}/`)),
  );
}

/** The return target if its origin is allowed and it starts no login here, else APP_URL: never an open redirect. */
export function safeReturnTarget(requested: string | undefined, policy: ReturnTargetPolicy): string {
  if (!requested || requested.length > MAX_TARGET_LENGTH) return policy.appUrl;
  let url: URL;
  try {
    url = new URL(requested);
  } catch {
    return policy.appUrl;
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password) return policy.appUrl;
  if (!policy.allowedReturnOrigins.includes(url.origin)) return policy.appUrl;
  if (url.origin === new URL(policy.publicUrl).origin && isLoginRoute(url.pathname, policy.publicUrl)) return policy.appUrl;
  return url.href;
}
