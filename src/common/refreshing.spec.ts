import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Refreshing } from './refreshing';

describe(Refreshing.name, () => {
  let loads: number;
  let fail: boolean;
  const value = () =>
    new Refreshing(() => {
      loads += 1;
      return fail ? Promise.reject(new Error('database unavailable')) : Promise.resolve(loads);
    }, 60_000);

  beforeEach(() => {
    loads = 0;
    fail = false;
    jest.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('loads once for callers at the same moment, and keeps the value while it is young', async () => {
    const refreshing = value();
    expect(await Promise.all([refreshing.get(), refreshing.get()])).toEqual([1, 1]);
    jest.setSystemTime(59_999);
    expect(await refreshing.get()).toBe(1);
    expect(loads).toBe(1);
  });

  it('reloads once the value is older than its maximum age, or after forget', async () => {
    const refreshing = value();
    await refreshing.get();
    jest.setSystemTime(60_000);
    expect(await refreshing.get()).toBe(2);
    refreshing.forget();
    expect(await refreshing.get()).toBe(3);
  });

  it('forgets a failed load, so the next call tries again', async () => {
    const refreshing = value();
    fail = true;
    await expect(refreshing.get()).rejects.toThrow('database unavailable');
    fail = false;
    expect(await refreshing.get()).toBe(2);
  });
});
