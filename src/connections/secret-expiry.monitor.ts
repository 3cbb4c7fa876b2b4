import { Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { DataSource, LessThanOrEqual } from 'typeorm';
import { Connection } from './entities/connection.entity';
import { daysUntil, dueWarning, EXPIRING_SOON_DAYS } from './secret-expiry';
import { AuditService } from '../audit/audit.service';

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
export class SecretExpiryMonitor {
  private readonly logger = new Logger(SecretExpiryMonitor.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  @Cron(CronExpression.EVERY_HOUR)
  async checkSecretExpiry(now = new Date()): Promise<SecretExpiryWarning[]> {
    const horizon = new Date(now.getTime() + (EXPIRING_SOON_DAYS + 1) * 24 * 3600 * 1000);
    const candidates = await this.dataSource.getRepository(Connection).find({
      where: { clientSecretExpiresAt: LessThanOrEqual(horizon) },
      select: { id: true, organizationId: true, name: true, clientSecretExpiresAt: true, secretExpiryWarnedDays: true },
    });
    const warnings: SecretExpiryWarning[] = [];
    for (const connection of candidates) {
      const due = dueWarning(connection.clientSecretExpiresAt!, connection.secretExpiryWarnedDays, now);
      if (!due) continue;
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
      if (!warned) continue;
      this.logger.warn(
        daysLeft > 0
          ? `the client secret of connection ${connection.id} (${connection.name}) expires in ${daysLeft} day(s), on ${connection.clientSecretExpiresAt!.toISOString()}`
          : `the client secret of connection ${connection.id} (${connection.name}) expired on ${connection.clientSecretExpiresAt!.toISOString()}`,
      );
      warnings.push({ connectionId: connection.id, organizationId: connection.organizationId, threshold: due.threshold, daysLeft });
    }
    return warnings;
  }
}
