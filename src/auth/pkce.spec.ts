import { describe, expect, it } from '@jest/globals';
import { pkceChallenge } from './pkce';

describe(pkceChallenge.name, () => {
  it('gives the S256 challenge of RFC 7636 appendix B', () => {
    expect(pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });
});
