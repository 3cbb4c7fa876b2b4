import { createHash, randomBytes } from 'node:crypto';

/**
 * One-time tokens of emailed or handed-out links (magic links, test sign-ins): 256 random bits,
 * and only their SHA-256 is stored, so the database alone opens no link.
 */
export function newOneTimeToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashOneTimeToken(token) };
}

/** The stored form of a token, to look a presented one up by. */
export function hashOneTimeToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
