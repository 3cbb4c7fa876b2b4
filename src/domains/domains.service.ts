import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { parse } from 'tldts';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { Domain, DomainStatus, DomainVerificationMethod } from './entities/domain.entity';
import { emailDomain, normaliseEnterpriseDomain } from './domain-rules';
import { firstPendingCheck, newVerificationToken } from './domain-verification';
import { DomainsRepository } from './domains.repository';
import { DomainVerificationService, VerifiedElsewhereError } from './domain-verification.service';
import { Caller, actorOf, assertCanActOn, isPlatformCaller } from '../common/caller';
import { BadInputError, ForbiddenError, NotFoundError } from '../common/errors';
import { AuditService } from '../audit/audit.service';
import { deleteAudited } from '../audit/audited-delete';
import { Organization } from '../organizations/entities/organization.entity';
import { isUniqueViolation } from '../database/postgres-errors';

@Injectable()
export class DomainsService {
  constructor(
    private readonly repository: DomainsRepository,
    private readonly verification: DomainVerificationService,
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'domainVerification'>,
  ) {}

  /**
   * Claims a domain as PENDING with a fresh TXT value. A pending claim blocks no one; a domain
   * another organization verified (or that lies under one it verified) cannot be claimed.
   */
  async add(caller: Caller, organizationId: string, rawDomain: string): Promise<Domain> {
    assertCanActOn(caller, organizationId);
    const domain = normaliseEnterpriseDomain(rawDomain);
    const now = new Date();
    return this.dataSource.transaction(async (manager) => {
      if (!(await manager.existsBy(Organization, { id: organizationId }))) throw new NotFoundError('organization');
      await this.repository.lockFamily(manager, parse(domain).domain ?? domain);
      if (await this.repository.verifiedByAnotherOrganization(manager, organizationId, domain)) throw new VerifiedElsewhereError();
      let row: Domain;
      try {
        row = await this.repository.insert(manager, {
          organizationId,
          domain,
          verificationToken: newVerificationToken(),
          pendingSince: now,
          nextCheckAt: firstPendingCheck(now, this.config.domainVerification),
        });
      } catch (error) {
        if (isUniqueViolation(error, 'domains__organization_id__domain__unique'))
          throw new BadInputError('domain', 'is already one of the organization’s domains');
        throw error;
      }
      await this.audit.record(manager, {
        organizationId,
        actor: actorOf(caller),
        action: 'domain.added',
        targetId: row.id,
        details: { domain },
      });
      return row;
    });
  }

  /** Looks the claim's TXT record up now: VERIFIED, or PENDING with the reason in `verificationError`. */
  async verify(caller: Caller, id: string): Promise<Domain> {
    const claim = await this.claimInScope(caller, id);
    if (claim.status === DomainStatus.VERIFIED) return claim;
    return this.verification.verifyNow(claim, actorOf(caller));
  }

  /** The operator's word for a domain checked another way: platform keys only, audited. */
  async markVerified(caller: Caller, id: string): Promise<Domain> {
    if (!isPlatformCaller(caller)) throw new ForbiddenError('only a platform API key may mark a domain verified');
    const claim = await this.claimInScope(caller, id);
    if (claim.status === DomainStatus.VERIFIED) return claim;
    return this.verification.markVerified(claim, DomainVerificationMethod.OPERATOR, actorOf(caller));
  }

  /** Removes a claim; the audit event says whether it was verified (logins of the domain stop). */
  remove(caller: Caller, id: string): Promise<boolean> {
    return deleteAudited(this.dataSource, this.audit, caller, Domain, id, {
      label: 'domain',
      action: 'domain.removed',
      details: (row) => ({ domain: row.domain, status: row.status }),
    });
  }

  /** Domains of several organizations at once, in every status (one query for a whole GraphQL page). */
  forOrganizations(organizationIds: readonly string[]): Promise<Map<string, Domain[]>> {
    return this.repository.forOrganizations(organizationIds);
  }

  /** The VERIFIED claim of the email's domain, if an organization verified it. */
  async ownerOfEmail(email: string): Promise<Domain | null> {
    const domain = emailDomain(email);
    return domain ? this.repository.verifiedClaimOf(domain) : null;
  }

  /** Whether the organization owns the domain: only a VERIFIED claim counts. */
  ownsDomain(organizationId: string, domain: string): Promise<boolean> {
    return this.repository.isVerifiedFor(organizationId, domain);
  }

  /** True when the email's domain is one of the organization's VERIFIED domains. */
  async emailBelongsTo(organizationId: string, email: string): Promise<boolean> {
    const domain = emailDomain(email);
    return domain ? this.ownsDomain(organizationId, domain) : false;
  }

  /** Why the email's domain does not count for the organization, in words for its login activity. */
  async whyEmailNotOwned(organizationId: string, email: string): Promise<string> {
    const domain = emailDomain(email);
    if (!domain) return 'the email has no domain';
    const { claim, removedAt, unverifiedAt } = await this.repository.claimHistory(organizationId, domain);
    if (claim?.status === DomainStatus.VERIFIED) return `${domain} was verified while the login was under way; sign in again`;
    const lastCheck = claim?.verificationError ? `: ${claim.verificationError}` : '';
    if (claim && unverifiedAt)
      return `${domain} stopped counting as verified on ${unverifiedAt.toISOString()}: its TXT record went missing (now ${claim.status}${lastCheck})`;
    if (claim) return `${domain} is not verified (${claim.status}${lastCheck})`;
    if (removedAt) return `${domain} was removed from the organization's domains on ${removedAt.toISOString()}`;
    return `${domain} is not a domain of the organization`;
  }

  private async claimInScope(caller: Caller, id: string): Promise<Domain> {
    const claim = await this.repository.findInScope(caller, id);
    if (!claim) throw new NotFoundError('domain');
    return claim;
  }
}
