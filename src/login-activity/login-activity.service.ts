import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { LoginAttempt, LoginOutcome } from './entities/login-attempt.entity';
import { LoginRefusalCount } from './entities/login-refusal-count.entity';
import type { Connection } from '../connections/entities/connection.entity';
import { Caller, assertCanActOn } from '../common/caller';
import { CoalescingWriter } from '../common/coalescing-writer';
import { HOUR_MS, WallClockSchedule } from '../common/wall-clock-schedule';
import { MetricsService } from '../metrics/metrics.service';

const LOGIN_ACTIVITY_RETENTION_DAYS = 30;
const MAX_ATTEMPTS_PER_PAGE = 500;

/** Why a login was refused: the public code and the internal detail (the login flow's error, as data). */
export interface LoginRefusal {
  code: string;
  detail: string;
}

/** What is known of who tried to sign in; filled in as the login gets further. */
export interface LoginAttemptFacts {
  subject: string | null;
  email: string | null;
}

@Injectable()
export class LoginActivityService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(LoginActivityService.name);
  private readonly pruning = new WallClockSchedule(HOUR_MS, () => this.pruneHourly());
  /** Successful attempts written after their response (see recordSuccessAfterResponse); one alone never throws (`insertAttempt` logs). */
  private readonly successes = new CoalescingWriter<QueryDeepPartialEntity<LoginAttempt>>(
    (rows) => this.insertAttempts(rows),
    () => undefined,
  );

  constructor(
    @InjectRepository(LoginAttempt) private readonly attempts: Repository<LoginAttempt>,
    @InjectRepository(LoginRefusalCount) private readonly refusalCounts: Repository<LoginRefusalCount>,
    private readonly metrics: MetricsService,
  ) {}

  /**
   * Records an attempt. A failure to record is logged and swallowed: the person's login (or
   * its error page) must not turn into a 500 because the activity log could not be written.
   */
  async record(
    connection: Pick<Connection, 'id' | 'organizationId' | 'type'>,
    correlationId: string,
    facts: LoginAttemptFacts,
    refusal?: LoginRefusal,
  ): Promise<void> {
    this.metrics.loginAttempt(refusal ? 'refused' : 'succeeded', refusal?.code ?? null, connection.type);
    await this.insertAttempt(attemptRow(connection, correlationId, facts, refusal));
  }

  private async insertAttempt(row: QueryDeepPartialEntity<LoginAttempt>): Promise<void> {
    try {
      await this.attempts.insert(row);
    } catch (failure) {
      this.logger.warn(
        `login attempt on connection ${String(row.connectionId)} (ref ${String(row.correlationId)}) not recorded: ${failure instanceof Error ? failure.message : failure}`,
      );
    }
  }

  /** Several successes in one INSERT (which throws; the writer then writes each alone), or one that never throws. */
  private async insertAttempts(rows: QueryDeepPartialEntity<LoginAttempt>[]): Promise<void> {
    if (rows.length === 1) return this.insertAttempt(rows[0]);
    await this.attempts.insert(rows);
  }

  /**
   * Counts a refusal that came before any IdP round trip in its connection's row for this minute
   * and code: one row however many arrive. Like `record`, never throws.
   */
  async countRefusal(connection: Pick<Connection, 'id' | 'organizationId' | 'type'>, code: string): Promise<void> {
    this.metrics.loginAttempt('refused', code, connection.type);
    try {
      await this.refusalCounts.query(
        `INSERT INTO login_refusal_counts (organization_id, connection_id, minute, error_code, count)
         VALUES ($1, $2, date_trunc('minute', now()), $3, 1)
         ON CONFLICT ON CONSTRAINT login_refusal_counts__connection_id__minute__error_code__unique
         DO UPDATE SET count = login_refusal_counts.count + 1`,
        [connection.organizationId, connection.id, code],
      );
    } catch (failure) {
      this.logger.warn(
        `refusal ${code} on connection ${connection.id} not counted: ${failure instanceof Error ? failure.message : failure}`,
      );
    }
  }

  /**
   * Records a successful attempt without making the login wait for it: written at once when no
   * other success is being written, else with the others that came meanwhile, in one INSERT.
   * `list` waits for the ones still under way, and the shutdown waits for them before the
   * database pool closes. A failure is logged as in `record`. Refusals stay recorded before their
   * error page.
   */
  recordSuccessAfterResponse(
    connection: Pick<Connection, 'id' | 'organizationId' | 'type'>,
    correlationId: string,
    facts: LoginAttemptFacts,
  ): void {
    this.metrics.loginAttempt('succeeded', null, connection.type);
    this.successes.add(attemptRow(connection, correlationId, facts));
  }

  onApplicationBootstrap(): void {
    this.pruning.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.pruning.stop();
    await this.successes.settled();
  }

  async list(caller: Caller, organizationId: string, connectionId: string | undefined, first = 50): Promise<LoginAttempt[]> {
    assertCanActOn(caller, organizationId);
    await this.successes.settled();
    return this.attempts.find({
      where: { organizationId, ...(connectionId ? { connectionId } : {}) },
      order: { at: 'DESC' },
      take: Math.min(Math.max(first, 1), MAX_ATTEMPTS_PER_PAGE),
    });
  }

  /** The organization's refusals before any IdP round trip, per connection, minute and code, newest first. */
  async listRefusalCounts(
    caller: Caller,
    organizationId: string,
    connectionId: string | undefined,
    first = 50,
  ): Promise<LoginRefusalCount[]> {
    assertCanActOn(caller, organizationId);
    return this.refusalCounts.find({
      where: { organizationId, ...(connectionId ? { connectionId } : {}) },
      order: { minute: 'DESC', errorCode: 'ASC' },
      take: Math.min(Math.max(first, 1), MAX_ATTEMPTS_PER_PAGE),
    });
  }

  /** The hourly run, at the top of each hour. */
  async pruneHourly(): Promise<void> {
    try {
      await this.prune(new Date());
      this.metrics.jobRun('login_activity_prune', 'succeeded');
    } catch (error) {
      this.metrics.jobRun('login_activity_prune', 'failed');
      this.logger.error(`pruning login activity failed: ${error instanceof Error ? error.message : error}`);
    }
  }

  /** Login activity is for troubleshooting, not an archive: attempts and counts older than the retention go. */
  async prune(now: Date): Promise<number> {
    const cutoff = new Date(now.getTime() - LOGIN_ACTIVITY_RETENTION_DAYS * 24 * 3600 * 1000);
    const { affected } = await this.attempts.delete({ at: LessThan(cutoff) });
    const counted = await this.refusalCounts.delete({ minute: LessThan(cutoff) });
    return (affected ?? 0) + (counted.affected ?? 0);
  }
}

/** The row an attempt is stored as; the facts are copied, so that later changes to them do not reach it. */
function attemptRow(
  connection: Pick<Connection, 'id' | 'organizationId'>,
  correlationId: string,
  facts: LoginAttemptFacts,
  refusal?: LoginRefusal,
): QueryDeepPartialEntity<LoginAttempt> {
  return {
    organizationId: connection.organizationId,
    connectionId: connection.id,
    outcome: refusal ? LoginOutcome.REFUSED : LoginOutcome.SUCCEEDED,
    errorCode: refusal?.code ?? null,
    reason: refusal?.detail.slice(0, 500) ?? null,
    subject: facts.subject?.slice(0, 255) ?? null,
    email: facts.email?.slice(0, 320) ?? null,
    correlationId: correlationId.slice(0, 64),
  };
}
