/**
 * A value loaded on first use and reloaded once it is older than `maxAgeMs`, so that a change
 * made by another instance is seen soon. Callers at the same moment share one load; a load that
 * fails is forgotten, so the next call tries again.
 */
export class Refreshing<T> {
  private loaded?: { value: Promise<T>; at: number };

  constructor(
    private readonly load: () => Promise<T>,
    private readonly maxAgeMs: number,
  ) {}

  get(): Promise<T> {
    if (this.loaded && Date.now() - this.loaded.at < this.maxAgeMs) return this.loaded.value;
    const loaded = { value: this.load(), at: Date.now() };
    this.loaded = loaded;
    loaded.value.catch(() => {
      if (this.loaded === loaded) this.loaded = undefined;
    });
    return loaded.value;
  }

  /** The next call loads afresh (after a change this instance made). */
  forget(): void {
    this.loaded = undefined;
  }
}
