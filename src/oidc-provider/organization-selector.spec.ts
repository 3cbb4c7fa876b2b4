import { describe, expect, it } from '@jest/globals';
import { emailOf, selectorOf } from './organization-selector';

describe(selectorOf.name, () => {
  it('prefers connection, then organization, then an email login_hint', () => {
    expect(selectorOf({ connection: 'c1', organization: 'o1', login_hint: 'a@b.com' })).toEqual({ kind: 'connection', connectionId: 'c1' });
    expect(selectorOf({ organization: 'o1', login_hint: 'a@b.com' })).toEqual({ kind: 'organization', organizationId: 'o1' });
    expect(selectorOf({ login_hint: ' Ann@Example.COM ' })).toEqual({ kind: 'email', email: 'ann@example.com' });
  });

  it('has no selector for a login_hint that is no email, blank values or none at all', () => {
    expect(selectorOf({ login_hint: 'ann' })).toEqual({ kind: 'none' });
    expect(selectorOf({ connection: ' ', organization: '' })).toEqual({ kind: 'none' });
    expect(selectorOf({})).toEqual({ kind: 'none' });
    expect(selectorOf({ connection: 42 })).toEqual({ kind: 'none' });
  });
});

describe(emailOf.name, () => {
  it('accepts an address and refuses other text or one too long', () => {
    expect(emailOf('dana@acme.example')).toBe('dana@acme.example');
    expect(emailOf('not an email')).toBeUndefined();
    expect(emailOf(`${'a'.repeat(320)}@acme.example`)).toBeUndefined();
    expect(emailOf(undefined)).toBeUndefined();
  });
});
