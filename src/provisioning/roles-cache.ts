import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { NotifiedCache } from '../common/notified-cache';
import { DatabaseNotifications } from '../database/notifications';
import { MetricsService } from '../metrics/metrics.service';

/** The PostgreSQL channel on which every instance hears that an organization's roles changed. */
export const ROLES_CHANGED_CHANNEL = 'roles_changed';

/**
 * Answers for the roles API kept in memory, so an internal service may ask on every request.
 * Kept per organization and forgotten on every instance when a change to its roles commits
 * (NotifiedCache); nothing is kept while this instance cannot hear those changes.
 */
@Injectable()
export class RolesCache {
  private readonly entries: NotifiedCache<unknown>;

  constructor(
    notifications: DatabaseNotifications,
    private readonly metrics: MetricsService,
  ) {
    this.entries = new NotifiedCache(notifications, ROLES_CHANGED_CHANNEL, 100_000);
  }

  /** The cached answer for (organization, key) when there is a current one; undefined otherwise. */
  peek<T>(organizationId: string, key: string): { value: T } | undefined {
    const hit = this.entries.peek(organizationId, key) as { value: T } | undefined;
    // Hits are counted here (the warm path peeks), misses where `get` loads: a warm-path miss goes on to `get`.
    if (hit) this.metrics.rolesCacheLookup('hit');
    return hit;
  }

  /** The cached answer for (organization, key), or what `load` reads, cached when still current. */
  async get<T>(organizationId: string, key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.peek<T>(organizationId, key);
    if (hit) return hit.value;
    this.metrics.rolesCacheLookup('miss');
    return (await this.entries.load(organizationId, key, load)) as T;
  }

  /**
   * Tells every instance, at the commit of `manager`'s transaction, that the organization's roles
   * changed (or, with no organization, that any may have). Call `invalidate` once committed.
   */
  announceChange(manager: EntityManager, organizationId?: string): Promise<void> {
    return this.entries.announceChange(manager, organizationId);
  }

  invalidate(organizationId?: string): void {
    this.entries.invalidate(organizationId);
  }
}
