import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, In, Repository } from 'typeorm';
import { Domain } from './entities/domain.entity';
import { emailDomain, normaliseEnterpriseDomain } from './domain-rules';
import { Caller, actorOf, assertCanActOn } from '../common/caller';
import { BadInputError, NotFoundError } from '../common/errors';
import { AuditService } from '../audit/audit.service';
import { deleteAudited } from '../audit/audited-delete';
import { Organization } from '../organizations/entities/organization.entity';
import { isUniqueViolation } from '../database/postgres-errors';

@Injectable()
export class DomainsService {
  constructor(
    @InjectRepository(Domain) private readonly domains: Repository<Domain>,
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  async add(caller: Caller, organizationId: string, rawDomain: string): Promise<Domain> {
    assertCanActOn(caller, organizationId);
    const domain = normaliseEnterpriseDomain(rawDomain);
    return this.dataSource.transaction(async (manager) => {
      if (!(await manager.existsBy(Organization, { id: organizationId }))) throw new NotFoundError('organization');
      const row = manager.create(Domain, { organizationId, domain });
      try {
        await manager.save(row);
      } catch (error) {
        // Which organization holds it stays unsaid: that is another tenant's business.
        if (isUniqueViolation(error, 'domains__domain__unique')) throw new BadInputError('domain', 'is already claimed');
        throw error;
      }
      await this.audit.record(manager, { organizationId, actor: actorOf(caller), action: 'domain.added', targetId: row.id, details: { domain } });
      return row;
    });
  }

  remove(caller: Caller, id: string): Promise<boolean> {
    return deleteAudited(this.dataSource, this.audit, caller, Domain, id, {
      label: 'domain',
      action: 'domain.removed',
      details: (row) => ({ domain: row.domain }),
    });
  }

  /** Domains of several organizations at once (one query for a whole GraphQL page). */
  async forOrganizations(organizationIds: readonly string[]): Promise<Map<string, Domain[]>> {
    const rows = await this.domains.find({ where: { organizationId: In([...organizationIds]) }, order: { domain: 'ASC' } });
    const byOrganization = new Map<string, Domain[]>(organizationIds.map((id) => [id, []]));
    for (const row of rows) byOrganization.get(row.organizationId)?.push(row);
    return byOrganization;
  }

  /** The domain row an email belongs to, if any organization claimed it. */
  async ownerOfEmail(email: string): Promise<Domain | null> {
    const domain = emailDomain(email);
    return domain ? this.domains.findOneBy({ domain }) : null;
  }

  /** True when the email's domain is one of the organization's domains. */
  async emailBelongsTo(organizationId: string, email: string): Promise<boolean> {
    const domain = emailDomain(email);
    if (!domain) return false;
    const rows = (await this.domains.query('SELECT 1 FROM domains WHERE organization_id = $1 AND domain = $2 LIMIT 1', [organizationId, domain])) as unknown[];
    return rows.length > 0;
  }

}
