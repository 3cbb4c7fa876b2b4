import { Injectable } from '@nestjs/common';

type BatchLoader<V> = (keys: readonly string[]) => Promise<Map<string, V>>;

interface PendingBatch {
  keys: Set<string>;
  result: Promise<Map<string, unknown>>;
}

/**
 * Collects the keys that field resolvers ask for in one tick and loads them with one query,
 * so `organizations { connections { roleMappings } }` costs a query per level, not per row.
 */
@Injectable()
export class RequestBatcher {
  private readonly pending = new Map<string, PendingBatch>();

  async load<V>(batchName: string, key: string, loader: BatchLoader<V>): Promise<V> {
    let batch = this.pending.get(batchName);
    if (!batch) {
      const keys = new Set<string>();
      const result = new Promise<Map<string, unknown>>((resolve, reject) => {
        setImmediate(() => {
          this.pending.delete(batchName);
          loader([...keys]).then(resolve, reject);
        });
      });
      batch = { keys, result };
      this.pending.set(batchName, batch);
    }
    batch.keys.add(key);
    return (await batch.result).get(key) as V;
  }
}
