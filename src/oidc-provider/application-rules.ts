const MAX_URI_LENGTH = 2048;
const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/**
 * Why a URI cannot be an application's redirect, post-logout or initiate-login URI, or
 * undefined when it can: absolute, https (http only on a loopback host, for development),
 * no credentials, no fragment (OAuth 2.0 §3.1.2), and compared exactly, so no wildcards.
 */
export function applicationUriProblem(uri: string): string | undefined {
  if (uri.length > MAX_URI_LENGTH) return `must be at most ${MAX_URI_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return `"${uri.slice(0, 100)}" is not an absolute URI`;
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOST.test(url.hostname))) {
    return `"${uri.slice(0, 100)}" must use https (http only for localhost, 127.0.0.1 or [::1])`;
  }
  if (url.username || url.password) return `"${uri.slice(0, 100)}" must not contain credentials`;
  if (uri.includes('#')) return `"${uri.slice(0, 100)}" must not contain a fragment`;
  if (uri.includes('*')) return `"${uri.slice(0, 100)}" must not contain a wildcard: redirect URIs are matched exactly`;
  return undefined;
}
