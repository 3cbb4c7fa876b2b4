import { describe, expect, it } from '@jest/globals';
import { emailRequestKey, refusalOf, unusableBecause } from './magic-links.service';
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

describe(unusableBecause.name, () => {
  const now = new Date('2026-11-27T12:00:00Z');
  const later = new Date(now.getTime() + 60_000);
  const earlier = new Date(now.getTime() - 1);

  it.each([
    ['no link', null, MagicLinkErrorCode.INVALID],
    ['an unused link before it expires', { usedAt: null, expiresAt: later }, null],
    ['a used link', { usedAt: earlier, expiresAt: later }, MagicLinkErrorCode.USED],
    ['an unused link after it expired', { usedAt: null, expiresAt: earlier }, MagicLinkErrorCode.EXPIRED],
    ['an unused link at the moment it expires', { usedAt: null, expiresAt: now }, MagicLinkErrorCode.EXPIRED],
  ])('%s → %s', (_name, link, expected) => {
    expect(unusableBecause(link, now)).toBe(expected);
  });
});

describe(emailRequestKey.name, () => {
  it('keys the per-email limit by the requesting address as well', () => {
    expect(emailRequestKey('a@b.com', '203.0.113.1')).not.toBe(emailRequestKey('a@b.com', '203.0.113.2'));
    expect(emailRequestKey('a@b.com', '203.0.113.1')).toBe(emailRequestKey('a@b.com', '203.0.113.1'));
    // No email and address pair can pose as another by moving the separator.
    expect(emailRequestKey('a@b.com', '1')).not.toBe(emailRequestKey('a@b.com\n1', ''));
  });
});
