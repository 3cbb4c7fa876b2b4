import { describe, expect, it } from '@jest/globals';
import { SecretsCipher } from './secrets-cipher';

describe(SecretsCipher.name, () => {
  const cipher = new SecretsCipher({ secretsKey: Buffer.alloc(32, 9) });

  it('round-trips and never stores the plaintext', () => {
    const sealed = cipher.seal('client-secret-value');
    expect(sealed).not.toContain('client-secret-value');
    expect(sealed).toMatch(/^v1:[0-9a-f]{8}:/);
    expect(cipher.open(sealed)).toBe('client-secret-value');
    expect(cipher.seal('same')).not.toBe(cipher.seal('same'));
  });

  it('refuses a tampered ciphertext and a different key', () => {
    const sealed = cipher.seal('value');
    const parts = sealed.split(':');
    parts[4] = Buffer.from('other').toString('base64url');
    expect(() => cipher.open(parts.join(':'))).toThrow();
    expect(() => new SecretsCipher({ secretsKey: Buffer.alloc(32, 8) }).open(sealed)).toThrow(/sealed with key/);
  });

  it('opens what a previous key sealed after a rotation, and seals only with the new key', () => {
    const sealedBefore = cipher.seal('client-secret-value');
    const rotated = new SecretsCipher({ secretsKey: Buffer.alloc(32, 8), previousSecretsKeys: [Buffer.alloc(32, 9)] });
    expect(rotated.open(sealedBefore)).toBe('client-secret-value');
    const sealedAfter = rotated.seal('client-secret-value');
    expect(sealedAfter.split(':')[1]).not.toBe(sealedBefore.split(':')[1]);
    expect(() => cipher.open(sealedAfter)).toThrow(/sealed with key/);
  });
});
