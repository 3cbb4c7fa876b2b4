import { describe, expect, it } from '@jest/globals';
import { refusalOf } from './magic-links.service';
import { MagicLinkErrorCode, explainMagicLinkError } from './magic-link.error';

describe(refusalOf.name, () => {
  it('names why a link that could not be consumed fails', () => {
    expect(refusalOf(null)).toBe(MagicLinkErrorCode.INVALID);
    expect(refusalOf({ usedAt: new Date(), expiresAt: new Date(Date.now() + 60_000) })).toBe(MagicLinkErrorCode.USED);
    expect(refusalOf({ usedAt: new Date(), expiresAt: new Date(0) })).toBe(MagicLinkErrorCode.USED);
    expect(refusalOf({ usedAt: null, expiresAt: new Date(0) })).toBe(MagicLinkErrorCode.EXPIRED);
  });

  it('explains every code with a 4xx status', () => {
    for (const code of Object.values(MagicLinkErrorCode)) {
      const { status } = explainMagicLinkError(code);
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(500);
    }
  });
});
