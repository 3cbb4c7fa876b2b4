import { describe, expect, it } from '@jest/globals';
import { rolesFromGroups, sameRoles } from './roles-from-groups';

describe(rolesFromGroups.name, () => {
  it('gives the roles the groups map to, each once', () => {
    expect(rolesFromGroups(['admin', 'editor', 'admin'], ['g1', 'g2', 'g3'], 'viewer')).toEqual(['admin', 'editor']);
  });

  it('falls back when no group is sent', () => {
    expect(rolesFromGroups([], [], 'viewer')).toEqual(['viewer']);
  });

  it('falls back when no group sent is mapped', () => {
    expect(rolesFromGroups([], ['unmapped'], 'editor')).toEqual(['editor']);
  });
});

describe(sameRoles.name, () => {
  it('ignores order and tells a difference', () => {
    expect(sameRoles(['a', 'b'], ['b', 'a'])).toBe(true);
    expect(sameRoles(['a'], ['a', 'b'])).toBe(false);
    expect(sameRoles(['a', 'c'], ['a', 'b'])).toBe(false);
  });
});
