/**
 * Writes what it is given one batch at a time: an item that arrives while a batch is being
 * written waits for that write and goes with the next one. At rest each item is written at once,
 * alone; under load many share one statement and one commit. A batch that fails is written again
 * item by item, so that an item the database refuses loses only itself; a failed write of one item
 * is handed to `onError`, and the items after it are still written.
 */
export class CoalescingWriter<T> {
  private queued: T[] = [];
  private writing: Promise<void> | undefined;

  constructor(
    private readonly write: (items: T[]) => Promise<void>,
    private readonly onError: (error: unknown) => void,
    private readonly maxBatch = 200,
  ) {}

  add(item: T): void {
    this.queued.push(item);
    this.writing ??= this.drain();
  }

  /** Resolves once everything added so far has been written, or its write has failed. */
  async settled(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async drain(): Promise<void> {
    while (this.queued.length) {
      const batch = this.queued.splice(0, this.maxBatch);
      if (!(await this.written(batch)) && batch.length > 1) for (const item of batch) await this.written([item]);
    }
    this.writing = undefined;
  }

  /** Whether the write succeeded; a single item's failure goes to `onError`. */
  private async written(batch: T[]): Promise<boolean> {
    try {
      await this.write(batch);
      return true;
    } catch (error) {
      if (batch.length === 1) this.onError(error);
      return false;
    }
  }
}
