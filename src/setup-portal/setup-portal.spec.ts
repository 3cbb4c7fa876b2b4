import { describe, expect, it } from '@jest/globals';
import { refusalOf } from './setup-links.service';
import { expiryDateOf } from './setup-portal.controller';
import { field, portalPage } from './pages/layout';
import { IDP_GUIDES, fillGuideStep } from '../connections/idp-guides';
import { ConnectionType } from '../connections/entities/connection.entity';
import { BadInputError } from '../common/errors';

describe('refusalOf', () => {
  const now = Date.parse('2026-11-27T12:00:00Z');
  it('opens a live link', () => expect(refusalOf({ revokedAt: null, expiresAt: new Date(now + 1000) }, now)).toBeNull());
  it('refuses a revoked link, even before it expires', () =>
    expect(refusalOf({ revokedAt: new Date(now - 1), expiresAt: new Date(now + 1000) }, now)).toBe('revoked'));
  it('refuses an expired link from its expiry instant on', () =>
    expect(refusalOf({ revokedAt: null, expiresAt: new Date(now) }, now)).toBe('expired'));
});

describe('expiryDateOf', () => {
  it('reads a date field as the end of that day in UTC', () =>
    expect(expiryDateOf('2027-06-30')?.toISOString()).toBe('2027-06-30T23:59:59.000Z'));
  it('leaves an empty field unset', () => expect(expiryDateOf('')).toBeUndefined());
  it('names the field for anything else', () => {
    for (const bad of ['30/06/2027', '2027-13-45', 'tomorrow']) expect(() => expiryDateOf(bad)).toThrow(BadInputError);
  });
});

describe('portal pages', () => {
  it('tie a field’s help and error to it for screen readers, and escape what was typed', () => {
    const html = field({
      name: 'domain',
      label: 'Domain',
      value: '"><script>',
      help: 'Your domain',
      error: 'is not a domain',
      required: true,
    });
    expect(html).toContain('aria-describedby="field-domain-help field-domain-error"');
    expect(html).toContain('aria-invalid="true"');
    expect(html).not.toContain('<script>');
  });

  it('mark the current step and the done ones in words too', () => {
    const html = portalPage({ organizationName: 'A & B', active: 'domains', done: new Set(['summary']) }, 'Domains', '');
    expect(html).toMatch(/href="\/setup\/domains" aria-current="page"/);
    expect(html).toContain('(done)');
    expect(html).toContain('A &amp; B');
  });
});

describe('IDP_GUIDES', () => {
  it('has a guide for every connection type that names the redirect URI', () => {
    for (const type of Object.values(ConnectionType)) {
      const text = IDP_GUIDES[type].steps
        .map((step) => fillGuideStep(step, { redirectUri: 'https://sso/cb', initiateLoginUri: 'https://sso/init' }))
        .join(' ');
      expect(text).toContain('https://sso/cb');
      expect(text).not.toContain('{');
    }
  });
});
