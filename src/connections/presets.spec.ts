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
