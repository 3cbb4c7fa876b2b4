import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { parse } from 'tldts';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { AuditService } from '../audit/audit.service';
import { BadInputError } from '../common/errors';
import { isUniqueViolation } from '../database/postgres-errors';
import { Domain, DomainStatus, DomainVerificationMethod } from './entities/domain.entity';
import { DomainsRepository, type DomainCheckUpdate } from './domains.repository';
import { TxtResolver } from './txt-resolver';
import {
  explainLookup,
  firstPendingCheck,
  nextPendingCheck,
  recheckOutcome,
  VERIFIED_BY_ANOTHER_ORGANIZATION,
  verificationRecordFor,
  type TxtLookup,
} from './domain-verification';

/** Refused because another organization holds the domain (or a parent of it) VERIFIED; it is never named. */
export class VerifiedElsewhereError extends BadInputError {
  constructor(options?: { cause?: unknown }) {
    super('domain', 'is verified by another organization (or lies under a domain another organization verified)', options);
  }
}

/**
 * The verification of one claim: looking its record up, and what a manual verification, an
 * operator's word or a background check makes of the answer. Every change is conditional on
 * the claim being unchanged since it was read, and audited.
 */
@Injectable()
export class DomainVerificationService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: DomainsRepository,
    private readonly resolver: TxtResolver,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'domainVerification'>,
  ) {}

  lookup(claim: Domain): Promise<TxtLookup> {
    const record = verificationRecordFor(claim.domain, claim.verificationToken);
    return this.resolver.lookup(claim.domain, record.name, record.value);
  }

  /** Looks the record up now; VERIFIED, or still PENDING with the reason (a FAILED claim gets a new retry window). */
  async verifyNow(claim: Domain, actor: string): Promise<Domain> {
    await this.refuseIfVerifiedElsewhere(claim);
    const lookup = await this.lookup(claim);
    if (lookup.kind === 'found') return this.markVerified(claim, DomainVerificationMethod.DNS, actor);
    const now = new Date();
    const restart = claim.status !== DomainStatus.PENDING || claim.pendingSince === null;
    const updated = await this.repository.updateIfUnchanged(this.dataSource.manager, claim, {
      status: DomainStatus.PENDING,
      verificationError: explainLookup(lookup, claim.domain, verificationRecordFor(claim.domain, claim.verificationToken)),
      lastCheckedAt: now,
      ...(restart ? { pendingSince: now, checkAttempts: 0, nextCheckAt: firstPendingCheck(now, this.config.domainVerification) } : {}),
    });
    return updated ?? (await this.repository.findById(this.dataSource.manager, claim.id)) ?? claim;
  }

  /**
   * Makes the claim VERIFIED (first verified wins): refused when another organization holds it
   * or a parent of it; the other organizations' open claims of it and of names under it fail.
   */
  async markVerified(claim: Domain, method: DomainVerificationMethod, actor: string): Promise<Domain> {
    const now = new Date();
    const nextCheckAt = method === DomainVerificationMethod.DNS ? new Date(now.getTime() + this.config.domainVerification.recheckMs) : null;
    try {
      return await this.dataSource.transaction(async (manager) => {
        await this.repository.lockFamily(manager, registrableOf(claim.domain));
        if (await this.repository.verifiedByAnotherOrganization(manager, claim.organizationId, claim.domain))
          throw new VerifiedElsewhereError();
        const verified = await this.repository.markVerified(manager, claim.id, method, now, nextCheckAt);
        if (!verified) return (await this.repository.findById(manager, claim.id)) ?? claim;
        await this.audit.record(manager, {
          organizationId: claim.organizationId,
          actor,
          action: method === DomainVerificationMethod.OPERATOR ? 'domain.marked_verified' : 'domain.verified',
          targetId: claim.id,
          details: { domain: claim.domain, method },
        });
        for (const lost of await this.repository.failOtherClaims(
          manager,
          claim.organizationId,
          claim.domain,
          VERIFIED_BY_ANOTHER_ORGANIZATION,
        )) {
          await this.audit.record(manager, {
            organizationId: lost.organizationId,
            actor: 'system',
            action: 'domain.verification_failed',
            targetId: lost.id,
            details: { domain: lost.domain, reason: VERIFIED_BY_ANOTHER_ORGANIZATION },
          });
        }
        return verified;
      });
    } catch (error) {
      if (error instanceof VerifiedElsewhereError || isUniqueViolation(error, 'domains__domain__verified__unique')) {
        await this.fail(claim, VERIFIED_BY_ANOTHER_ORGANIZATION);
        throw new VerifiedElsewhereError({ cause: error });
      }
      throw error;
    }
  }

  /** A background check of a PENDING claim: verified, retried later, or given up with the reason. */
  async checkPending(claim: Domain, now: Date): Promise<void> {
    if (await this.isVerifiedElsewhere(claim)) {
      await this.fail(claim, VERIFIED_BY_ANOTHER_ORGANIZATION);
      return;
    }
    const lookup = await this.lookup(claim);
    if (lookup.kind === 'found') {
      await this.markVerified(claim, DomainVerificationMethod.DNS, 'system').catch((error: unknown) => {
        if (!(error instanceof VerifiedElsewhereError)) throw error;
      });
      return;
    }
    const reason = explainLookup(lookup, claim.domain, verificationRecordFor(claim.domain, claim.verificationToken));
    const next = nextPendingCheck(claim.pendingSince ?? claim.createdAt, claim.checkAttempts, now, this.config.domainVerification);
    if (next.kind === 'give_up') {
      const days = Math.round(this.config.domainVerification.pendingGiveUpMs / 86_400_000);
      await this.fail(
        claim,
        `Not verified within ${days >= 1 ? `${days} days` : 'the retry window'}. Last check: ${reason} Verify again once the record is published.`,
        {
          checkAttempts: claim.checkAttempts + 1,
        },
      );
      return;
    }
    await this.repository.updateIfUnchanged(this.dataSource.manager, claim, {
      verificationError: reason,
      lastCheckedAt: now,
      checkAttempts: claim.checkAttempts + 1,
      nextCheckAt: next.at,
    });
  }

  /**
   * A periodic re-check of a claim verified through DNS. A record missing for the grace period
   * makes the domain PENDING again (audited): it stops counting, and is retried like a new claim.
   */
  async recheckVerified(claim: Domain, now: Date): Promise<void> {
    const lookup = await this.lookup(claim);
    const outcome = recheckOutcome(lookup, claim.recordMissingSince, now, this.config.domainVerification);
    const record = verificationRecordFor(claim.domain, claim.verificationToken);
    switch (outcome.kind) {
      case 'confirmed':
        await this.repository.updateIfUnchanged(this.dataSource.manager, claim, {
          recordMissingSince: null,
          verificationError: null,
          lastCheckedAt: now,
          nextCheckAt: outcome.nextAt,
        });
        return;
      case 'inconclusive':
        await this.repository.updateIfUnchanged(this.dataSource.manager, claim, { lastCheckedAt: now, nextCheckAt: outcome.nextAt });
        return;
      case 'missing':
        await this.repository.updateIfUnchanged(this.dataSource.manager, claim, {
          recordMissingSince: outcome.since,
          verificationError: `The TXT record at ${record.name} was not found (missing since ${outcome.since.toISOString()}); publish it again, or the domain stops counting as verified on ${new Date(outcome.since.getTime() + this.config.domainVerification.recordGraceMs).toISOString()}.`,
          lastCheckedAt: now,
          nextCheckAt: outcome.nextAt,
        });
        return;
      case 'unverify':
        await this.unverify(
          claim,
          now,
          `The TXT record at ${record.name} has been missing since ${outcome.since.toISOString()}, so the domain no longer counts as verified. Publish the record again to verify it again.`,
        );
        return;
      default: {
        const unknown: never = outcome;
        throw new Error(`unknown re-check outcome ${JSON.stringify(unknown)}`);
      }
    }
  }

  private async unverify(claim: Domain, now: Date, reason: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const changed = await this.repository.updateIfUnchanged(manager, claim, {
        status: DomainStatus.PENDING,
        verificationMethod: null,
        verifiedAt: null,
        verificationError: reason,
        pendingSince: now,
        checkAttempts: 0,
        recordMissingSince: null,
        lastCheckedAt: now,
        nextCheckAt: firstPendingCheck(now, this.config.domainVerification),
      });
      if (changed) {
        await this.audit.record(manager, {
          organizationId: claim.organizationId,
          actor: 'system',
          action: 'domain.unverified',
          targetId: claim.id,
          details: { domain: claim.domain, reason },
        });
      }
    });
  }

  private async fail(claim: Domain, reason: string, changes: DomainCheckUpdate = {}): Promise<void> {
    if (claim.status === DomainStatus.FAILED && claim.verificationError === reason) return;
    await this.dataSource.transaction(async (manager) => {
      const changed = await this.repository.updateIfUnchanged(manager, claim, {
        ...changes,
        status: DomainStatus.FAILED,
        verificationError: reason,
        pendingSince: null,
        nextCheckAt: null,
        lastCheckedAt: new Date(),
      });
      if (changed) {
        await this.audit.record(manager, {
          organizationId: claim.organizationId,
          actor: 'system',
          action: 'domain.verification_failed',
          targetId: claim.id,
          details: { domain: claim.domain, reason },
        });
      }
    });
  }

  private async refuseIfVerifiedElsewhere(claim: Domain): Promise<void> {
    if (!(await this.isVerifiedElsewhere(claim))) return;
    await this.fail(claim, VERIFIED_BY_ANOTHER_ORGANIZATION);
    throw new VerifiedElsewhereError();
  }

  private isVerifiedElsewhere(claim: Domain): Promise<boolean> {
    return this.repository.verifiedByAnotherOrganization(this.dataSource.manager, claim.organizationId, claim.domain);
  }
}

/** The registrable domain (acme.co.uk for eu.acme.co.uk): the family whose decisions are serialised. */
function registrableOf(domain: string): string {
  return parse(domain).domain ?? domain;
}
