import { describe, expect, it } from '@jest/globals';
import type { DataSource } from 'typeorm';
import { RateLimitsService, retryAfterSeconds, storedKey } from './rate-limits.service';
import { RateLimitedError } from '../common/errors';

/** A DataSource whose pool answers every query with `query` (rate-limiter-flexible's 'typeorm' store type reads driver.master). */
function dataSourceAnswering(query: () => Promise<unknown>): DataSource {
  return { driver: { master: { query } } } as unknown as DataSource;
}

describe(RateLimitsService.name, () => {
  it('falls back to the instance’s memory when PostgreSQL fails, and still refuses past the limit', async () => {
    const service = new RateLimitsService(dataSourceAnswering(() => Promise.reject(new Error('connection refused'))));
    const limit = service.limit({ name: 'unit_failing', points: 2, durationSeconds: 60 });
    await limit.consume('203.0.113.1');
    await limit.consume('203.0.113.1');
    const refused = await limit.consume('203.0.113.1').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RateLimitedError);
    expect((refused as RateLimitedError).retryAfterSeconds).toBeGreaterThan(0);
    await expect(limit.consume('203.0.113.2')).resolves.toBeUndefined();
  });

  it('falls back to memory when PostgreSQL does not answer in time', async () => {
    const service = new RateLimitsService(dataSourceAnswering(() => new Promise(() => undefined)));
    const limit = service.limit({ name: 'unit_hanging', points: 1, durationSeconds: 60 });
    await expect(limit.tryConsume('key')).resolves.toBe(true);
    await expect(limit.tryConsume('key')).resolves.toBe(false);
  });

  it('refuses one name defined twice with different limits', () => {
    const service = new RateLimitsService(dataSourceAnswering(() => Promise.reject(new Error('unused'))));
    service.limit({ name: 'unit_twice', points: 1, durationSeconds: 60 });
    expect(() => service.limit({ name: 'unit_twice', points: 1, durationSeconds: 60 })).not.toThrow();
    expect(() => service.limit({ name: 'unit_twice', points: 2, durationSeconds: 60 })).toThrow(/defined twice/);
  });
});

describe(retryAfterSeconds.name, () => {
  it.each([
    [0, 1],
    [1, 1],
    [999, 1],
    [1001, 2],
    [59_000, 59],
  ])('%d ms → %d s', (ms, seconds) => {
    expect(retryAfterSeconds(ms)).toBe(seconds);
  });
});

describe(storedKey.name, () => {
  it('stores no email or address, in a fixed length whatever the key', () => {
    const key = storedKey(`${'a'.repeat(300)}@example.com`);
    expect(key).not.toContain('example.com');
    expect(key).toHaveLength(43);
    expect(storedKey('same')).toBe(storedKey('same'));
    expect(storedKey('same')).not.toBe(storedKey('Same'));
  });
});
