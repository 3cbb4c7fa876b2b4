import type { DataSource, EntityManager, EntityTarget, FindOptionsWhere } from 'typeorm';
import { Caller, actorOf, withinCallerScope } from '../common/caller';
import { NotFoundError } from '../common/errors';
import type { AuditService } from './audit.service';

interface AuditedDelete<T> {
  /** The entity's name in "… not found". */
  label: string;
  action: string;
  details: (row: T) => Record<string, unknown>;
  /** A rule that may refuse the deletion, inside the same transaction. */
  beforeDelete?: (manager: EntityManager, row: T) => Promise<void>;
}

/** Deletes one of the caller's organization's rows and records it, in one transaction. */
export function deleteAudited<T extends { id: string; organizationId: string }>(
  dataSource: DataSource,
  audit: AuditService,
  caller: Caller,
  entity: EntityTarget<T>,
  id: string,
  options: AuditedDelete<T>,
): Promise<boolean> {
  return dataSource.transaction(async (manager) => {
    const row = await manager.findOneBy(entity, withinCallerScope(caller, { id }) as FindOptionsWhere<T>);
    if (!row) throw new NotFoundError(options.label);
    await options.beforeDelete?.(manager, row);
    await manager.delete(entity, { id });
    await audit.record(manager, {
      organizationId: row.organizationId,
      actor: actorOf(caller),
      action: options.action,
      targetId: id,
      details: options.details(row),
    });
    return true;
  });
}
