import type { DataSource, EntityTarget, FindOptionsOrder } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';

/** A stored signing key as rotation sees it: newest by creation, retired once a newer one takes over. */
interface RotatedKey {
  id: string;
  createdAt: Date;
  retiredAt: Date | null;
}

const NEWEST_FIRST: FindOptionsOrder<RotatedKey> = { createdAt: 'DESC' };

/**
 * The newest `count` keys, newest first, after making a new one when there is none or the newest
 * is older than `rotateAfterMs`. The rotation takes a PostgreSQL advisory lock named `lockName`,
 * so instances that decide at the same moment make one key between them.
 */
export async function newestKeysRotatedWhenDue<K extends RotatedKey>(
  dataSource: DataSource,
  entity: EntityTarget<K>,
  options: { lockName: string; rotateAfterMs: number; count: number; newKey: () => Promise<QueryDeepPartialEntity<K>> },
): Promise<K[]> {
  const due = (newest: K | undefined) => !newest || Date.now() - newest.createdAt.getTime() > options.rotateAfterMs;
  const newest = () => dataSource.getRepository(entity).find({ order: NEWEST_FIRST as FindOptionsOrder<K>, take: options.count });
  const rows = await newest();
  if (!due(rows[0])) return rows;
  await dataSource.transaction(async (manager) => {
    await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [options.lockName]);
    const [latest] = await manager.find(entity, { order: NEWEST_FIRST as FindOptionsOrder<K>, take: 1 });
    if (!due(latest)) return;
    await manager.insert(entity, await options.newKey());
    // A newer key takes over; the old one stays published until what it signed has expired.
    if (latest) await manager.update(entity, latest.id, { retiredAt: new Date() } as unknown as QueryDeepPartialEntity<K>);
  });
  return newest();
}
