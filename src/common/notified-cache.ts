import type { EntityManager } from 'typeorm';
import type { DatabaseNotifications } from '../database/notifications';
import { growingLruCache } from './growing-lru-cache';

/** The payload that invalidates every group. */
const EVERY_GROUP = '*';

/**
 * Values read from the database, kept in memory by group (an organization, a connection) and key,
 * and forgotten on every instance when a NOTIFY on the channel names their group.
 *
 * A read records its group's generation before it queries and keeps its answer only if nothing
 * changed meanwhile, so an answer read before a commit never outlives it. While the instance's
 * LISTEN connection is down nothing is kept, and whatever was kept is dropped when it comes back
 * (notifications may have been missed). The writer of a change also calls `invalidate` once
 * committed, so that its own instance forgets at once, before the notification comes round.
 */
export class NotifiedCache<V> {
  private readonly entries;
  private readonly generations = new Map<string, number>();
  private epoch = 0;

  constructor(
    private readonly notifications: DatabaseNotifications,
    readonly channel: string,
    maxEntries: number,
  ) {
    this.entries = growingLruCache<string, { generation: string; value: V }>(maxEntries);
    notifications.subscribe(channel, {
      onNotification: (group) => this.invalidate(group),
      onListening: () => this.invalidate(),
    });
  }

  /** The kept value for (group, key) when there is a current one. */
  peek(group: string, key = ''): { value: V } | undefined {
    if (!this.notifications.listening) return undefined;
    const entry = this.entries.get(`${group}|${key}`);
    return entry && entry.generation === this.generationOf(group) ? { value: entry.value } : undefined;
  }

  /** What `load` reads (a "none" too), kept while it is current. */
  async load(group: string, key: string, load: () => Promise<V>): Promise<V> {
    const generation = this.generationOf(group);
    const value = await load();
    if (this.notifications.listening && this.generationOf(group) === generation) this.entries.set(`${group}|${key}`, { generation, value });
    return value;
  }

  /** Tells every instance, at the commit of `manager`'s transaction, that the group (or, without one, any group) changed. */
  announceChange(manager: EntityManager, group?: string): Promise<void> {
    return this.notifications.notify(manager, this.channel, group ?? EVERY_GROUP);
  }

  /** Forgets the group's values, or every value. */
  invalidate(group?: string): void {
    if (group === undefined || group === EVERY_GROUP) {
      this.epoch++;
      this.entries.clear();
    } else {
      this.generations.set(group, (this.generations.get(group) ?? 0) + 1);
    }
  }

  private generationOf(group: string): string {
    return `${this.epoch}.${this.generations.get(group) ?? 0}`;
  }
}
