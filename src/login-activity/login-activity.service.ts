import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, Repository } from 'typeorm';
import { LoginAttempt, LoginOutcome } from './entities/login-attempt.entity';
import type { Connection } from '../connections/entities/connection.entity';
import { SsoErrorCode, SsoLoginError } from '../auth/sso-login.error';
import { Caller, assertCanActOn } from '../common/caller';
import { BackgroundWork } from '../common/background-work';

const LOGIN_ACTIVITY_RETENTION_DAYS = 30;
const MAX_ATTEMPTS_PER_PAGE = 500;

/** What is known of who tried to sign in; filled in as the login gets further. */
export interface LoginAttemptFacts {
  subject: string | null;
  email: string | null;
}

@Injectable()
export class LoginActivityService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(LoginActivityService.name);
  /** Successful attempts being written after their response (see recordSuccessAfterResponse); `record` never throws. */
  private readonly afterResponse = new BackgroundWork(() => undefined);

  constructor(@InjectRepository(LoginAttempt) private readonly attempts: Repository<LoginAttempt>) {}

  /**
   * Records an attempt. A failure to record is logged and swallowed: the person's login (or
   * its error page) must not turn into a 500 because the activity log could not be written.
   */
  async record(connection: Pick<Connection, 'id' | 'organizationId'>, correlationId: string, facts: LoginAttemptFacts, error?: unknown): Promise<void> {
    const refusal = error === undefined ? undefined : error instanceof SsoLoginError ? error : new SsoLoginError(SsoErrorCode.IDP_ERROR, 'unexpected error; see the service log');
    try {
      await this.attempts.insert({
        organizationId: connection.organizationId,
        connectionId: connection.id,
        outcome: refusal ? LoginOutcome.REFUSED : LoginOutcome.SUCCEEDED,
        errorCode: refusal?.code ?? null,
        reason: refusal?.detail.slice(0, 500) ?? null,
        subject: facts.subject?.slice(0, 255) ?? null,
        email: facts.email?.slice(0, 320) ?? null,
        correlationId: correlationId.slice(0, 64),
      });
    } catch (failure) {
      this.logger.warn(`login attempt on connection ${connection.id} (ref ${correlationId}) not recorded: ${failure instanceof Error ? failure.message : failure}`);
    }
  }

  /**
   * Records a successful attempt without making the login wait for it: the INSERT is sent at once
   * (so it is ahead of anything the person does next), `list` waits for the ones still under way,
   * and the shutdown waits for them before the database pool closes. A failure is logged as in
   * `record`. Refusals stay recorded before their error page.
   */
  recordSuccessAfterResponse(connection: Pick<Connection, 'id' | 'organizationId'>, correlationId: string, facts: LoginAttemptFacts): void {
    this.afterResponse.run(this.record(connection, correlationId, { ...facts }));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.afterResponse.settled();
  }

  async list(caller: Caller, organizationId: string, connectionId: string | undefined, first = 50): Promise<LoginAttempt[]> {
    assertCanActOn(caller, organizationId);
    await this.afterResponse.settled();
    return this.attempts.find({
      where: { organizationId, ...(connectionId ? { connectionId } : {}) },
      order: { at: 'DESC' },
      take: Math.min(Math.max(first, 1), MAX_ATTEMPTS_PER_PAGE),
    });
  }

  /** The hourly run: its time is read here, never left to whatever arguments the scheduler passes. */
  @Cron(CronExpression.EVERY_HOUR)
  async pruneHourly(): Promise<void> {
    try {
      await this.prune(new Date());
    } catch (error) {
      this.logger.error(`pruning login activity failed: ${error instanceof Error ? error.message : error}`);
    }
  }

  /** Login activity is for troubleshooting, not an archive: attempts older than the retention go. */
  async prune(now: Date): Promise<number> {
    const cutoff = new Date(now.getTime() - LOGIN_ACTIVITY_RETENTION_DAYS * 24 * 3600 * 1000);
    const { affected } = await this.attempts.delete({ at: LessThan(cutoff) });
    return affected ?? 0;
  }
}
