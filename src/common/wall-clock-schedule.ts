export const HOUR_MS = 3_600_000;

/**
 * A job run at every multiple of its period on the wall clock (every hour at :00 for an hour, as
 * a cron schedule would), so that restarts never postpone it. A run still going when the next is
 * due is not doubled. Its timers never keep the process alive; `stop` ends the schedule and waits
 * for a run in progress. (Nest's scheduler did this through cron and luxon, whose time zone
 * lookup loaded ICU's data and took a twentieth of start-up.)
 */
export class WallClockSchedule {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private next: Date | undefined;

  /** `job` logs its own failures: a run that fails leaves the schedule as it was. */
  constructor(
    private readonly periodMs: number,
    private readonly job: () => Promise<void>,
  ) {}

  start(): void {
    const now = Date.now();
    this.next = new Date(now + msUntilNextMultiple(this.periodMs, now));
    this.timer = setTimeout(() => {
      this.running ??= this.job()
        .catch(() => undefined)
        .finally(() => (this.running = undefined));
      this.start();
    }, this.next.getTime() - now);
    this.timer.unref();
  }

  /** When the next run is due; undefined before `start` and after `stop`. */
  nextRunAt(): Date | undefined {
    return this.next;
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.next = undefined;
    await this.running;
  }
}

/** Milliseconds from `nowMs` to the next multiple of `periodMs` since the epoch (a whole period when on one). */
export function msUntilNextMultiple(periodMs: number, nowMs: number): number {
  return periodMs - (nowMs % periodMs);
}
