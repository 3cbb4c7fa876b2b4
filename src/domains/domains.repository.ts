import { organizationOwnsDomainSql } from './domain-ownership';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, In } from 'typeorm';
import { Domain, DomainStatus, DomainVerificationMethod } from './entities/domain.entity';
import { Caller, withinCallerScope } from '../common/caller';

/** The fields a check may change; the row is updated only if nobody changed its claim meanwhile. */
export type DomainCheckUpdate = Partial<
  Pick<
    Domain,
    | 'status'
    | 'verificationMethod'
    | 'verifiedAt'
    | 'verificationError'
    | 'pendingSince'
    | 'nextCheckAt'
    | 'checkAttempts'
    | 'recordMissingSince'
    | 'lastCheckedAt'
  >
>;

/** A claim another organization lost when one organization verified the domain. */
export interface LostClaim {
  id: string;
  organizationId: string;
  domain: string;
}

/** Every SQL statement about domains. */
@Injectable()
export class DomainsRepository {
  constructor(private readonly dataSource: DataSource) {}

  findInScope(caller: Caller, id: string): Promise<Domain | null> {
    return this.dataSource.getRepository(Domain).findOneBy(withinCallerScope(caller, { id }));
  }

  findById(manager: EntityManager, id: string): Promise<Domain | null> {
    return manager.findOneBy(Domain, { id });
  }

  async insert(
    manager: EntityManager,
    row: Pick<Domain, 'organizationId' | 'domain' | 'verificationToken' | 'pendingSince' | 'nextCheckAt'>,
  ): Promise<Domain> {
    return manager.save(manager.create(Domain, { ...row, status: DomainStatus.PENDING }));
  }

  /**
   * Serialises the decisions about one registrable domain and the names under it (verify,
   * add), so that two organizations cannot verify a parent and a name under it at once.
   */
  async lockFamily(manager: EntityManager, registrableDomain: string): Promise<void> {
    await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`domains:${registrableDomain}`]);
  }

  /** True when another organization verified this domain or a parent of it. */
  async verifiedByAnotherOrganization(manager: EntityManager, organizationId: string, domain: string): Promise<boolean> {
    const rows = (await manager.query(
      `SELECT 1 FROM domains
        WHERE status = 'VERIFIED' AND organization_id <> $1
          AND (domain = $2 OR right($2, length(domain) + 1) = '.' || domain)
        LIMIT 1`,
      [organizationId, domain],
    )) as unknown[];
    return rows.length > 0;
  }

  /** Makes a claim VERIFIED, unless it is already (then null). */
  async markVerified(
    manager: EntityManager,
    id: string,
    method: DomainVerificationMethod,
    now: Date,
    nextCheckAt: Date | null,
  ): Promise<Domain | null> {
    const result = await manager
      .createQueryBuilder()
      .update(Domain)
      .set({
        status: DomainStatus.VERIFIED,
        verificationMethod: method,
        verifiedAt: now,
        verificationError: null,
        pendingSince: null,
        nextCheckAt,
        checkAttempts: 0,
        recordMissingSince: null,
        lastCheckedAt: now,
      })
      .where('id = :id AND status <> :verified', { id, verified: DomainStatus.VERIFIED })
      .execute();
    return result.affected ? manager.findOneByOrFail(Domain, { id }) : null;
  }

  /** Fails the other organizations' open claims of the domain and of names under it. */
  async failOtherClaims(manager: EntityManager, organizationId: string, domain: string, reason: string): Promise<LostClaim[]> {
    const [rows] = (await manager.query(
      `UPDATE domains
          SET status = 'FAILED', verification_error = $3, next_check_at = NULL, pending_since = NULL
        WHERE organization_id <> $1 AND status = 'PENDING'
          AND (domain = $2 OR right(domain, length($2) + 1) = '.' || $2)
        RETURNING id, organization_id, domain`,
      [organizationId, domain, reason],
    )) as [{ id: string; organization_id: string; domain: string }[], number];
    return rows.map((row) => ({ id: row.id, organizationId: row.organization_id, domain: row.domain }));
  }

  /**
   * Applies a check's result, only if the claim is still what the check looked at (same
   * status, same token): a manual verification or a removal meanwhile wins.
   */
  async updateIfUnchanged(
    manager: EntityManager,
    seen: Pick<Domain, 'id' | 'status' | 'verificationToken'>,
    changes: DomainCheckUpdate,
  ): Promise<Domain | null> {
    const result = await manager
      .createQueryBuilder()
      .update(Domain)
      .set(changes)
      .where('id = :id AND status = :status AND verification_token = :token', {
        id: seen.id,
        status: seen.status,
        token: seen.verificationToken,
      })
      .execute();
    return result.affected ? manager.findOneByOrFail(Domain, { id: seen.id }) : null;
  }

  /**
   * Takes up to `limit` claims due a check and pushes their next check `leaseMs` ahead, so
   * that another instance skips them (SKIP LOCKED while this runs, the lease after it).
   * An instance that dies mid-check leaves them to be taken again when the lease ends.
   */
  claimDue(now: Date, limit: number, leaseMs: number): Promise<Domain[]> {
    return this.dataSource.transaction(async (manager) => {
      const due = await manager
        .createQueryBuilder(Domain, 'domain')
        .where('domain.next_check_at <= :now', { now })
        .andWhere('domain.status IN (:...statuses)', { statuses: [DomainStatus.PENDING, DomainStatus.VERIFIED] })
        .orderBy('domain.next_check_at', 'ASC')
        .limit(limit)
        .setLock('pessimistic_write')
        .setOnLocked('skip_locked')
        .getMany();
      if (due.length === 0) return [];
      await manager.update(Domain, { id: In(due.map((row) => row.id)) }, { nextCheckAt: new Date(now.getTime() + leaseMs) });
      return due;
    });
  }

  /** The VERIFIED claim of an email domain (at most one exists). */
  verifiedClaimOf(domain: string): Promise<Domain | null> {
    return this.dataSource.getRepository(Domain).findOneBy({ domain, status: DomainStatus.VERIFIED });
  }

  async isVerifiedFor(organizationId: string, domain: string): Promise<boolean> {
    const [row] = (await this.dataSource.query(`SELECT ${organizationOwnsDomainSql('$1', '$2')} AS owned`, [organizationId, domain])) as {
      owned: boolean;
    }[];
    return row.owned;
  }

  /**
   * The organization's claim of the domain in any status, and the last time it lost its
   * standing: removed (audited by domain name) or unverified by a re-check (audited by claim).
   */
  async claimHistory(
    organizationId: string,
    domain: string,
  ): Promise<{ claim: Domain | null; removedAt: Date | null; unverifiedAt: Date | null }> {
    const claim = await this.dataSource.getRepository(Domain).findOneBy({ organizationId, domain });
    const [lost] = (await this.dataSource.query(
      `SELECT action, at FROM audit_events
        WHERE organization_id = $1
          AND ((action = 'domain.removed' AND details->>'domain' = $2) OR (action = 'domain.unverified' AND target_id = $3))
        ORDER BY at DESC LIMIT 1`,
      [organizationId, domain, claim?.id ?? ''],
    )) as { action: string; at: Date }[];
    return {
      claim,
      removedAt: lost?.action === 'domain.removed' ? lost.at : null,
      unverifiedAt: lost?.action === 'domain.unverified' ? lost.at : null,
    };
  }

  /** Domains of several organizations at once (one query for a whole GraphQL page). */
  async forOrganizations(organizationIds: readonly string[]): Promise<Map<string, Domain[]>> {
    const rows = await this.dataSource
      .getRepository(Domain)
      .find({ where: { organizationId: In([...organizationIds]) }, order: { domain: 'ASC' } });
    const byOrganization = new Map<string, Domain[]>(organizationIds.map((id) => [id, []]));
    for (const row of rows) byOrganization.get(row.organizationId)?.push(row);
    return byOrganization;
  }
}
