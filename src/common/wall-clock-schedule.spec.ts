import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { msUntilNextMultiple, WallClockSchedule } from './wall-clock-schedule';

const HOUR = 3_600_000;

describe('msUntilNextMultiple', () => {
  it('counts to the next multiple of the period', () => {
    expect(msUntilNextMultiple(HOUR, Date.UTC(2026, 10, 28, 9, 45))).toBe(15 * 60_000);
  });

  it('counts a whole period from a multiple', () => {
    expect(msUntilNextMultiple(HOUR, Date.UTC(2026, 10, 28, 9))).toBe(HOUR);
  });
});

describe(WallClockSchedule.name, () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: Date.UTC(2026, 10, 28, 9, 45) });
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  it('runs at the top of each period, not a period after it started', async () => {
    const runs: string[] = [];
    const schedule = new WallClockSchedule(HOUR, () => {
      runs.push(new Date().toISOString());
      return Promise.resolve();
    });
    schedule.start();
    expect(schedule.nextRunAt()).toEqual(new Date(Date.UTC(2026, 10, 28, 10)));
    await jest.advanceTimersByTimeAsync(15 * 60_000 - 1);
    expect(runs).toEqual([]);
    await jest.advanceTimersByTimeAsync(1 + 2 * HOUR);
    expect(runs).toEqual(['2026-11-28T10:00:00.000Z', '2026-11-28T11:00:00.000Z', '2026-11-28T12:00:00.000Z']);
    expect(schedule.nextRunAt()).toEqual(new Date(Date.UTC(2026, 10, 28, 13)));
    await schedule.stop();
  });

  it('does not start a run while the last one is still going', async () => {
    let started = 0;
    let finish!: () => void;
    const schedule = new WallClockSchedule(HOUR, () => {
      started++;
      return new Promise<void>((resolve) => (finish = resolve));
    });
    schedule.start();
    await jest.advanceTimersByTimeAsync(15 * 60_000 + HOUR);
    expect(started).toBe(1);
    finish();
    await jest.advanceTimersByTimeAsync(HOUR);
    expect(started).toBe(2);
    finish();
    await schedule.stop();
  });

  it('keeps its schedule after a run that fails', async () => {
    let started = 0;
    const schedule = new WallClockSchedule(HOUR, () => {
      started++;
      return Promise.reject(new Error('the database is down'));
    });
    schedule.start();
    await jest.advanceTimersByTimeAsync(15 * 60_000 + HOUR);
    expect(started).toBe(2);
    await schedule.stop();
  });

  it('stops running once stopped, and waits for the run in progress', async () => {
    let started = 0;
    let finished = false;
    let finish!: () => void;
    const schedule = new WallClockSchedule(HOUR, async () => {
      started++;
      await new Promise<void>((resolve) => (finish = resolve));
      finished = true;
    });
    schedule.start();
    await jest.advanceTimersByTimeAsync(15 * 60_000);
    const stopped = schedule.stop();
    expect(schedule.nextRunAt()).toBeUndefined();
    finish();
    await stopped;
    expect(finished).toBe(true);
    await jest.advanceTimersByTimeAsync(3 * HOUR);
    expect(started).toBe(1);
  });
});
