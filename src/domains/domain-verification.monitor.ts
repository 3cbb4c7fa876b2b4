import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { Domain, DomainStatus } from './entities/domain.entity';
import { DomainsRepository } from './domains.repository';
import { DomainVerificationService } from './domain-verification.service';

/** Claims taken per round; the rest wait for the next round (a poll interval later). */
const BATCH_SIZE = 50;
/** Lookups run at once: enough to get through a batch quickly, few enough not to flood a resolver. */
const PARALLEL_LOOKUPS = 5;
const MIN_LEASE_MS = 60_000;

/**
 * The background check: every poll interval, takes the claims due a check (PENDING retries,
 * periodic re-checks of domains verified through DNS) and checks them. The schedule lives in
 * the database (`next_check_at`, `check_attempts`), so it survives restarts, and claims are
 * taken with FOR UPDATE SKIP LOCKED and a lease, so with several instances each claim is
 * checked by one of them at a time.
 */
@Injectable()
export class DomainVerificationMonitor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DomainVerificationMonitor.name);
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;

  constructor(
    private readonly repository: DomainsRepository,
    private readonly verification: DomainVerificationService,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'domainVerification'>,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      // A round still running (slow DNS) is not doubled; the next tick picks up what is left.
      this.round ??= this.runDueChecks(new Date())
        .then(() => undefined)
        .catch((error: unknown) => this.logger.error(`domain verification round failed: ${error instanceof Error ? error.message : error}`))
        .finally(() => (this.round = undefined));
    }, this.config.domainVerification.checkPollMs);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.round;
  }

  /** Checks every claim due at `now`; one that fails is logged and the others still go. Returns how many were checked. */
  async runDueChecks(now: Date): Promise<number> {
    const { dnsDeadlineMs } = this.config.domainVerification;
    const due = await this.repository.claimDue(now, BATCH_SIZE, Math.max(MIN_LEASE_MS, dnsDeadlineMs * 4));
    const queue = [...due];
    const worker = async () => {
      for (let claim = queue.shift(); claim; claim = queue.shift()) await this.checkOne(claim, now);
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_LOOKUPS, due.length) }, worker));
    return due.length;
  }

  private async checkOne(claim: Domain, now: Date): Promise<void> {
    try {
      if (claim.status === DomainStatus.PENDING) await this.verification.checkPending(claim, now);
      else await this.verification.recheckVerified(claim, now);
    } catch (error) {
      this.logger.error(`checking domain ${claim.id} (${claim.domain}) failed: ${error instanceof Error ? error.message : error}`);
    }
  }
}
