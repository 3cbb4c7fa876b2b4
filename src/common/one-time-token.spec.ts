import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { hashOneTimeToken, newOneTimeToken } from './one-time-token';

describe(newOneTimeToken.name, () => {
  it('makes a fresh 256-bit token and stores only its SHA-256', () => {
    const { token, hash } = newOneTimeToken();
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(hash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(hashOneTimeToken(token)).toBe(hash);
    expect(newOneTimeToken().token).not.toBe(token);
  });
});
