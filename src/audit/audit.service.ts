import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { AuditEvent } from './entities/audit-event.entity';
import { Caller, assertCanActOn } from '../common/caller';

export interface AuditRecord {
  organizationId: string | null;
  actor: string;
  action: string;
  targetId?: string | null;
  details?: Record<string, unknown>;
}

const MAX_EVENTS_PER_PAGE = 500;

@Injectable()
export class AuditService {
  constructor(@InjectRepository(AuditEvent) private readonly events: Repository<AuditEvent>) {}

  /** Writes an event in the caller's transaction, so a change and its record land together. */
  async record(manager: EntityManager, record: AuditRecord): Promise<void> {
    await manager.insert(AuditEvent, {
      organizationId: record.organizationId,
      actor: record.actor,
      action: record.action,
      targetId: record.targetId ?? null,
      details: (record.details ?? {}) as object,
    });
  }

  async list(caller: Caller, organizationId: string, first = 50): Promise<AuditEvent[]> {
    assertCanActOn(caller, organizationId);
    return this.events.find({
      where: { organizationId },
      order: { at: 'DESC' },
      take: Math.min(Math.max(first, 1), MAX_EVENTS_PER_PAGE),
    });
  }
}
