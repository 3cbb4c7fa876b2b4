import { Injectable } from '@nestjs/common';
import type { SetupPortal } from './setup-links.service';
import type { PortalFrame, SetupStep } from './pages/layout';
import type { ChecklistItem, DomainRow, MappingRow } from './pages/steps';
import { DomainsService } from '../domains/domains.service';
import { DomainStatus, type Domain } from '../domains/entities/domain.entity';
import { verificationRecordFor } from '../domains/domain-verification';
import { ConnectionsService } from '../connections/connections.service';
import type { Connection } from '../connections/entities/connection.entity';
import { RoleMappingService } from '../role-mapping/role-mapping.service';
import { OrganizationsService } from '../organizations/organizations.service';
import type { Organization } from '../organizations/entities/organization.entity';

/** Where one organization's setup stands: what each page shows and the overview's checklist. */
export interface Progress {
  organization: Organization;
  domains: DomainRow[];
  connection: Connection | null;
  mappings: MappingRow[];
  items: ChecklistItem[];
  frame(active: SetupStep, flash?: string): PortalFrame;
}

@Injectable()
export class SetupProgress {
  constructor(
    private readonly organizations: OrganizationsService,
    private readonly domainsService: DomainsService,
    private readonly connections: ConnectionsService,
    private readonly roleMappings: RoleMappingService,
  ) {}

  async of(portal: SetupPortal): Promise<Progress> {
    const organizationId = portal.organization.id;
    const [organization, domainsByOrganization, connection] = await Promise.all([
      this.organizations.get(portal.caller, organizationId),
      this.domainsService.forOrganizations([organizationId]),
      this.connections.find(portal.caller, portal.link.connectionId),
    ]);
    const mappings = connection ? ((await this.roleMappings.forConnections([connection.id])).get(connection.id) ?? []) : [];
    const domains = (domainsByOrganization.get(organizationId) ?? []).map(domainRow);
    const verifiedDomains = domains.filter((domain) => domain.status === DomainStatus.VERIFIED);
    const items: ChecklistItem[] = [
      {
        step: 'domains',
        label: 'Prove your email domains',
        done: verifiedDomains.length > 0,
        detail: domains.length ? `${verifiedDomains.length} of ${domains.length} verified` : 'No domain added yet',
      },
      {
        step: 'identity-provider',
        label: 'Connect your identity provider',
        done: connection !== null,
        detail: connection ? connection.name : 'Not connected yet',
      },
      {
        step: 'test',
        label: 'Test a sign-in',
        done: connection?.verifiedAt != null,
        detail: connection?.verifiedAt ? `Worked on ${connection.verifiedAt.toUTCString()}` : 'No successful test sign-in yet',
      },
      {
        step: 'roles',
        label: 'Map groups to roles (optional)',
        done: mappings.length > 0,
        detail: `${mappings.length} mapping${mappings.length === 1 ? '' : 's'}; default role ${organization.defaultRole}`,
      },
      {
        step: 'require-sso',
        label: 'Require SSO (optional)',
        done: organization.ssoRequired,
        detail: organization.ssoRequired ? 'Required' : 'Not required',
      },
    ];
    const done = new Set<SetupStep>(items.filter((item) => item.done).map((item) => item.step));
    return {
      organization,
      domains,
      connection,
      mappings: mappings.map((mapping) => ({ id: mapping.id, idpGroupId: mapping.idpGroupId, name: mapping.name, role: mapping.role })),
      items,
      frame: (active, flash) => ({ organizationName: organization.name, active, done, flash }),
    };
  }
}

function domainRow(domain: Domain): DomainRow {
  const record = verificationRecordFor(domain.domain, domain.verificationToken);
  return {
    id: domain.id,
    domain: domain.domain,
    status: domain.status,
    recordName: record.name,
    recordValue: record.value,
    verificationError: domain.verificationError,
  };
}
