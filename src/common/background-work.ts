/**
 * Work that runs after its request has been answered (mail, records that must not delay a
 * response), kept track of so that the shutdown, or a reader that must see its results, can
 * wait for it. A failure is handed to `onError`, never left unhandled.
 */
export class BackgroundWork {
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly onError: (error: unknown) => void) {}

  run(work: Promise<unknown>): void {
    const tracked = work.then(
      () => undefined,
      (error: unknown) => this.onError(error),
    );
    this.running.add(tracked);
    void tracked.finally(() => this.running.delete(tracked));
  }

  /** Resolves once everything started so far has finished. */
  async settled(): Promise<void> {
    if (this.running.size) await Promise.allSettled([...this.running]);
  }
}
