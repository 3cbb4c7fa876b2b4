/**
 * The group → role rule: the roles the IdP's groups map to, else the fallback (an invitation's
 * role or the organization's default). A login with no groups, or only unmapped ones, gets the
 * fallback: a member is never left with no role at all.
 */
export function rolesFromGroups(mappedRoles: readonly string[], groups: readonly string[], fallbackRole: string): string[] {
  if (groups.length === 0) return [fallbackRole];
  const mapped = [...new Set(mappedRoles)];
  return mapped.length ? mapped : [fallbackRole];
}

/** The same roles, in any order. */
export function sameRoles(current: readonly string[], next: readonly string[]): boolean {
  return current.length === next.length && current.every((role) => next.includes(role));
}
