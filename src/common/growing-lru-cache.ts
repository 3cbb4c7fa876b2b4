import { LRUCache } from 'lru-cache';

type Options<K extends NonNullable<unknown>, V extends NonNullable<unknown>> = Omit<
  LRUCache.Options<K, V, unknown>,
  'max' | 'maxSize' | 'sizeCalculation'
>;

/**
 * An LRU cache of at most `entries` entries whose storage grows with what it holds. lru-cache's
 * `max` allocates its storage up front (five to seven arrays of `max` slots): the service's caches
 * took ~9 MB of heap and a fiftieth of start-up that way, empty. Counting each entry as size 1
 * against `maxSize` bounds them the same, least recently used out first.
 */
export function growingLruCache<K extends NonNullable<unknown>, V extends NonNullable<unknown>>(
  entries: number,
  options: Options<K, V> = {},
): LRUCache<K, V> {
  return new LRUCache<K, V>({ ...options, maxSize: entries, sizeCalculation: () => 1 });
}
