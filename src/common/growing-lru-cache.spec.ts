import { growingLruCache } from './growing-lru-cache';

describe('growingLruCache', () => {
  it('holds at most its number of entries, the least recently used leaving first', () => {
    const cache = growingLruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.get('a');
    cache.set('c', 3);
    expect([...cache.keys()].sort()).toEqual(['a', 'c']);
    expect(cache.size).toBe(2);
  });

  it('keeps the options it is given, such as a time to live', () => {
    let now = 1_000;
    const cache = growingLruCache<string, number>(10, { ttl: 100, ttlResolution: 0, perf: { now: () => now } });
    cache.set('a', 1);
    now += 99;
    expect(cache.get('a')).toBe(1);
    now += 2;
    expect(cache.get('a')).toBeUndefined();
  });

  it('allocates nothing for entries it does not hold', () => {
    const heapBefore = process.memoryUsage().heapUsed;
    const caches = Array.from({ length: 20 }, () => growingLruCache<string, true>(100_000, { ttl: 60_000 }));
    const grownMb = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
    expect(caches).toHaveLength(20);
    // lru-cache's `max: 100_000` with a ttl allocates ~4 MB per cache: 80 MB for these.
    expect(grownMb).toBeLessThan(8);
  });
});
