/** The return target if its origin is allowed, else APP_URL: never an open redirect. */
export function safeReturnTarget(requested: string | undefined, allowedOrigins: readonly string[], appUrl: string): string {
  if (!requested || requested.length > 2048) return appUrl;
  let url: URL;
  try {
    url = new URL(requested);
  } catch {
    return appUrl;
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password) return appUrl;
  return allowedOrigins.includes(url.origin) ? url.href : appUrl;
}
