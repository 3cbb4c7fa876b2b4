import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Between, DataSource } from 'typeorm';
import { Connection } from './entities/connection.entity';
import { DAY_MS, daysUntil, dueWarning, EXPIRING_SOON_DAYS } from './secret-expiry';
import { AuditService } from '../audit/audit.service';
import { MetricsService } from '../metrics/metrics.service';
import { HOUR_MS, WallClockSchedule } from '../common/wall-clock-schedule';

/**
 * A secret that expired longer ago than this is not looked at again: its warnings went out as it
 * neared the date (or it was entered already expired, and the API shows it EXPIRED). The margin
 * lets a job that was down for a few days still give the last warning.
 */
const LATE_WARNING_DAYS = 7;

export interface SecretExpiryWarning {
  connectionId: string;
  organizationId: string;
  threshold: number;
  daysLeft: number;
}

/**
 * Warns, in the log and the audit log, when a connection's client secret nears its expiry:
 * once per connection at 30, 7 and 1 days before. Several instances may run the check at
 * once; the conditional update lets exactly one of them warn.
 */
@Injectable()
export class SecretExpiryMonitor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(SecretExpiryMonitor.name);
  readonly schedule = new WallClockSchedule(HOUR_MS, () => this.checkHourly());

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly metrics: MetricsService,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.schedule.stop();
  }

  /** The hourly run, at the top of each hour. */
  async checkHourly(): Promise<void> {
    try {
      await this.checkSecretExpiry(new Date());
      this.metrics.jobRun('secret_expiry_check', 'succeeded');
    } catch (error) {
      this.metrics.jobRun('secret_expiry_check', 'failed');
      this.logger.error(`secret expiry check failed: ${error instanceof Error ? error.message : error}`);
    }
  }

  /** Warns about every connection due a warning at `now`; one that fails is logged and the others still go. */
  async checkSecretExpiry(now: Date): Promise<SecretExpiryWarning[]> {
    const horizon = new Date(now.getTime() + (EXPIRING_SOON_DAYS + 1) * DAY_MS);
    const longExpired = new Date(now.getTime() - LATE_WARNING_DAYS * DAY_MS);
    const candidates = await this.dataSource.getRepository(Connection).find({
      where: { clientSecretExpiresAt: Between(longExpired, horizon) },
      select: { id: true, organizationId: true, name: true, clientSecretExpiresAt: true, secretExpiryWarnedDays: true },
      order: { clientSecretExpiresAt: 'ASC' },
    });
    const warnings: SecretExpiryWarning[] = [];
    for (const connection of candidates) {
      try {
        const warning = await this.warnIfDue(connection, now);
        if (warning) warnings.push(warning);
      } catch (error) {
        this.logger.error(
          `secret expiry warning for connection ${connection.id} failed: ${error instanceof Error ? error.message : error}`,
        );
      }
    }
    return warnings;
  }

  private async warnIfDue(connection: Connection, now: Date): Promise<SecretExpiryWarning | null> {
    const due = dueWarning(connection.clientSecretExpiresAt!, connection.secretExpiryWarnedDays, now);
    if (!due) return null;
    const daysLeft = daysUntil(connection.clientSecretExpiresAt!, now);
    const warned = await this.dataSource.transaction(async (manager) => {
      // Only if nobody warned meanwhile and the secret was not rotated since it was read.
      const claimed = await manager
        .createQueryBuilder()
        .update(Connection)
        .set({ secretExpiryWarnedDays: due.reached })
        .where('id = :id', { id: connection.id })
        .andWhere('secret_expiry_warned_days = :before', { before: connection.secretExpiryWarnedDays })
        .andWhere('client_secret_expires_at = :expiresAt', { expiresAt: connection.clientSecretExpiresAt })
        .execute();
      if (!claimed.affected) return false;
      await this.audit.record(manager, {
        organizationId: connection.organizationId,
        actor: 'system',
        action: 'connection.secret_expiring',
        targetId: connection.id,
        details: { threshold: due.threshold, daysLeft, expiresAt: connection.clientSecretExpiresAt!.toISOString() },
      });
      return true;
    });
    if (!warned) return null;
    this.logger.warn(
      daysLeft > 0
        ? `the client secret of connection ${connection.id} (${connection.name}) expires in ${daysLeft} day(s), on ${connection.clientSecretExpiresAt!.toISOString()}`
        : `the client secret of connection ${connection.id} (${connection.name}) expired on ${connection.clientSecretExpiresAt!.toISOString()}`,
    );
    return { connectionId: connection.id, organizationId: connection.organizationId, threshold: due.threshold, daysLeft };
  }
}
