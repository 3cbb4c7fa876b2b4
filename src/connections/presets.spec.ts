import { describe, expect, it } from '@jest/globals';
import { PRESETS } from './presets';
import { ConnectionType } from './entities/connection.entity';

describe('groups sources', () => {
  const entra = PRESETS[ConnectionType.ENTRA_ID].groupsSource!;

  it('asks Microsoft Graph, wherever it is configured, for the signed-in user’s groups', () => {
    expect(entra.url({ entraAuthority: 'https://login.example.test', entraGraphUrl: 'https://graph.example.test' })).toBe(
      'https://graph.example.test/v1.0/me/getMemberObjects',
    );
  });

  it('reads getMemberObjects answers as ids or objects with an id, and refuses other shapes', () => {
    expect(entra.groupsFrom({ value: ['a1', 'b2'] })).toEqual(['a1', 'b2']);
    expect(entra.groupsFrom({ value: [{ id: 'a1' }, { displayName: 'no id' }, 7] })).toEqual(['a1']);
    expect(entra.groupsFrom({ groups: ['a1'] })).toBeUndefined();
    expect(entra.groupsFrom(null)).toBeUndefined();
  });

  it('follows no groups reference for IdPs not known to send one', () => {
    expect(PRESETS[ConnectionType.OKTA].groupsSource).toBeNull();
    expect(PRESETS[ConnectionType.GENERIC_OIDC].groupsSource).toBeNull();
  });
});

describe('foreign tenants', () => {
  const tenant = '72f988bf-86f1-41af-91ab-2d7cd011db47';
  const issuer = `https://login.microsoftonline.com/${tenant}/v2.0`;
  const entra = PRESETS[ConnectionType.ENTRA_ID];

  it('accepts an Entra token whose tid is the tenant in the issuer, in any case', () => {
    expect(entra.foreignTenant(issuer, { tid: tenant })).toBeNull();
    expect(entra.foreignTenant(issuer, { tid: tenant.toUpperCase() })).toBeNull();
  });

  it('refuses an Entra token of another tenant, or without a tid', () => {
    expect(entra.foreignTenant(issuer, { tid: '00000000-0000-0000-0000-000000000001' })).toBe(
      'the token’s tid is not the connection’s tenant',
    );
    expect(entra.foreignTenant(issuer, {})).toBe('the token’s tid is not the connection’s tenant');
  });

  it('checks no tid when the issuer names no tenant id', () => {
    expect(entra.foreignTenant('https://login.example.test/contoso.com/v2.0', {})).toBeNull();
  });

  it('knows no tenants inside an Okta org or a generic IdP', () => {
    expect(PRESETS[ConnectionType.OKTA].foreignTenant('https://acme.okta.com', { tid: 'x' })).toBeNull();
    expect(PRESETS[ConnectionType.GENERIC_OIDC].foreignTenant('https://idp.example.com', { tid: 'x' })).toBeNull();
  });
});
