import { describe, expect, it } from '@jest/globals';
import { FixedWindowLimiter } from './fixed-window-limiter';

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe(FixedWindowLimiter.name, () => {
  it('allows `limit` hits per key and window, then refuses with the seconds left', () => {
    const time = clock();
    const limiter = new FixedWindowLimiter(2, 60_000, 100, time.now);
    expect(limiter.hit('a').allowed).toBe(true);
    time.advance(10_000);
    expect(limiter.hit('a').allowed).toBe(true);
    expect(limiter.hit('a')).toEqual({ allowed: false, retryAfterSeconds: 50 });
    expect(limiter.hit('b').allowed).toBe(true);
  });

  it('starts a fresh window once the key’s window has ended', () => {
    const time = clock();
    const limiter = new FixedWindowLimiter(1, 60_000, 100, time.now);
    limiter.hit('a');
    expect(limiter.hit('a').allowed).toBe(false);
    time.advance(60_000);
    expect(limiter.hit('a').allowed).toBe(true);
  });

  it('forgets the oldest keys past its cap instead of growing', () => {
    const time = clock();
    const limiter = new FixedWindowLimiter(1, 60_000, 2, time.now);
    limiter.hit('first');
    limiter.hit('second');
    limiter.hit('third');
    expect(limiter.hit('first').allowed).toBe(true);
    expect(limiter.hit('third').allowed).toBe(false);
  });
});
