import { createHash } from 'node:crypto';

/**
 * The S256 code challenge of a PKCE verifier (RFC 7636 §4.2), hashed synchronously: the same
 * value as openid-client's calculatePKCECodeChallenge, without a WebCrypto job per login.
 */
export function pkceChallenge(codeVerifier: string): string {
  return createHash('sha256').update(codeVerifier, 'ascii').digest('base64url');
}
