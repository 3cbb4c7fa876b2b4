import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes, RLWrapperTimeouts, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { RateLimitedError } from '../common/errors';
import { WallClockSchedule } from '../common/wall-clock-schedule';

/** The table the migration StoreRateLimits creates, in the layout rate-limiter-flexible expects. */
export const RATE_LIMITS_TABLE = 'rate_limits';
/** Past this, a count waits no longer for PostgreSQL and the instance's own memory decides. */
const STORE_TIMEOUT_MS = 500;
const PRUNE_EVERY_MS = 5 * 60_000;

export interface RateLimitPolicy {
  /** Names the counter in the store, e.g. `magic_link_ip`; one name, one policy. */
  name: string;
  points: number;
  durationSeconds: number;
}

/** One policy's counters: each hit counts once, on every instance alike. */
export interface RateLimit {
  /** Counts a hit for `key`; throws RateLimitedError (429, Retry-After) past the limit. */
  consume(key: string): Promise<void>;
  /** Counts a hit for `key`; false past the limit, for callers that refuse silently. */
  tryConsume(key: string): Promise<boolean>;
}

/** Seconds a refused caller waits: at least one, so that Retry-After never says "now". */
export function retryAfterSeconds(msBeforeNext: number): number {
  return Math.max(1, Math.ceil(msBeforeNext / 1000));
}

/**
 * A key as stored: hashed, so that the table holds no email or address and a key of any length
 * fits its column.
 */
export function storedKey(key: string): string {
  return createHash('sha256').update(key).digest('base64url');
}

/**
 * Every rate limit of the service, kept in PostgreSQL (rate-limiter-flexible's store) so that
 * N instances allow the limit once, not N times. When PostgreSQL fails or is slower than
 * STORE_TIMEOUT_MS, the instance's in-memory insurance limiter decides instead: the limit then
 * holds per instance until the database answers again.
 */
@Injectable()
export class RateLimitsService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RateLimitsService.name);
  private readonly policies = new Map<string, RateLimitPolicy>();
  private readonly pruning = new WallClockSchedule(PRUNE_EVERY_MS, () => this.pruneExpired());

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  onApplicationBootstrap(): void {
    this.pruning.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.pruning.stop();
  }

  limit(policy: RateLimitPolicy): RateLimit {
    const known = this.policies.get(policy.name);
    if (known && (known.points !== policy.points || known.durationSeconds !== policy.durationSeconds)) {
      throw new Error(`rate limit ${policy.name} is defined twice, differently`);
    }
    this.policies.set(policy.name, policy);
    const limiter = this.limiterFor(policy);
    const hit = async (key: string): Promise<RateLimiterRes | null> => {
      try {
        await limiter.consume(storedKey(key));
        return null;
      } catch (refusal) {
        if (refusal instanceof RateLimiterRes) return refusal;
        // Both the store and the insurance failed: an outage of the limiter refuses no one.
        this.logger.error(`rate limit ${policy.name} not counted: ${refusal instanceof Error ? refusal.message : refusal}`);
        return null;
      }
    };
    return {
      consume: async (key) => {
        const refusal = await hit(key);
        if (refusal) throw new RateLimitedError(retryAfterSeconds(refusal.msBeforeNext));
      },
      tryConsume: async (key) => (await hit(key)) === null,
    };
  }

  /** Windows that ended are dead rows (a new hit starts afresh); sweep them every few minutes. */
  async pruneExpired(): Promise<void> {
    try {
      await this.dataSource.query(`DELETE FROM ${RATE_LIMITS_TABLE} WHERE expire < $1`, [Date.now()]);
    } catch (error) {
      this.logger.warn(`pruning expired rate-limit windows failed: ${error instanceof Error ? error.message : error}`);
    }
  }

  private limiterFor(policy: RateLimitPolicy): RateLimiterAbstract {
    const options = { keyPrefix: policy.name, points: policy.points, duration: policy.durationSeconds };
    const store = new RateLimiterPostgres({
      ...options,
      storeClient: this.dataSource,
      storeType: 'typeorm',
      tableName: RATE_LIMITS_TABLE,
      tableCreated: true,
      // One sweep for the whole table (pruneExpired), not a timer per limiter that outlives the app.
      clearExpiredByTimeout: false,
      insuranceLimiter: new RateLimiterMemory(options),
    });
    return new RLWrapperTimeouts({ limiter: store, timeoutMs: STORE_TIMEOUT_MS });
  }
}
