import { describe, expect, it } from '@jest/globals';
import { signingKeyAmong } from './client-assertion-keys.service';

const now = new Date('2026-11-27T12:00:00Z');
const key = (name: string, minutesAgo: number) => ({ name, createdAt: new Date(now.getTime() - minutesAgo * 60_000) });

describe(signingKeyAmong.name, () => {
  it('signs with the only key at once', () => {
    expect(signingKeyAmong([key('first', 0)], now).name).toBe('first');
  });

  it('keeps the older key while a rotated-in one is younger than an hour', () => {
    expect(signingKeyAmong([key('new', 59), key('old', 600)], now).name).toBe('old');
  });

  it('switches to the newest key an hour after it was published', () => {
    expect(signingKeyAmong([key('new', 60), key('old', 600)], now).name).toBe('new');
  });

  it('falls back to the oldest published key when every one is young', () => {
    expect(signingKeyAmong([key('c', 1), key('b', 2), key('a', 3)], now).name).toBe('a');
  });
});
