/**
 * SQL for "the domain is one of the organization's domains": the one place that decides which
 * of an organization's domains admit its people (login, invitation, email linking): only a
 * VERIFIED claim counts. Both arguments are SQL expressions (placeholders or columns).
 */
export function organizationOwnsDomainSql(organizationId: string, domain: string): string {
  return `EXISTS (SELECT 1 FROM domains owned WHERE owned.organization_id = ${organizationId} AND owned.domain = ${domain} AND owned.status = 'VERIFIED')`;
}
