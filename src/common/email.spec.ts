import { describe, expect, it } from '@jest/globals';
import { normalizeEmail } from './email';

describe(normalizeEmail.name, () => {
  it('makes spellings that differ in case or surrounding space one address', () => {
    expect(normalizeEmail('  Bob@Example.COM ')).toBe('bob@example.com');
  });

  it('makes a decomposed and a composed accent one address', () => {
    const decomposed = 'Jose\u0301@example.com';
    const composed = 'jos\u00e9@example.com';
    expect(decomposed).not.toBe(composed);
    expect(normalizeEmail(decomposed)).toBe(composed);
  });
});
