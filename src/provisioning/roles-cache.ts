import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { growingLruCache } from '../common/growing-lru-cache';
import { Client } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import { closeAtOnce, listenerClientConfig, startHeartbeat } from '../database/listener-heartbeat';
import { MetricsService } from '../metrics/metrics.service';

/** The PostgreSQL channel on which every instance hears that an organization's roles changed. */
export const ROLES_CHANGED_CHANNEL = 'roles_changed';
/** The payload that invalidates every organization (a user's email changed, which several may key on). */
const EVERY_ORGANIZATION = '*';
const RECONNECT_DELAY_MS = 1_000;

/**
 * Answers for the roles API kept in memory, so an internal service may ask on every request.
 *
 * Invalidation: a change writes `pg_notify` in its own transaction (delivered to every instance at
 * commit) and bumps the organization's generation here once committed. A read records the
 * generation before it queries and stores its answer only if no change came in meanwhile, so an
 * answer read before a commit never outlives it. While the LISTEN connection is down, nothing is
 * cached, and everything is dropped when it comes back (notifications may have been missed).
 * "Down" includes silent: a heartbeat that misses its deadline counts as a lost connection
 * (listener-heartbeat.ts); the remembered API keys follow their own listener the same way.
 */
@Injectable()
export class RolesCache implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RolesCache.name);
  private readonly entries = growingLruCache<string, { generation: string; value: unknown }>(100_000);
  private readonly generations = new Map<string, number>();
  private epoch = 0;
  private listener: Client | undefined;
  private listening = false;
  private everListened = false;
  private stopped = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private stopHeartbeat: (() => void) | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly metrics: MetricsService,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.listen();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    this.stopHeartbeat?.();
    this.listening = false;
    await this.listener?.end().catch(() => undefined);
  }

  /** The cached answer for (organization, key) when there is a current one; undefined otherwise. */
  peek<T>(organizationId: string, key: string): { value: T } | undefined {
    if (!this.listening) return undefined;
    const entry = this.entries.get(`${organizationId}|${key}`);
    if (!entry || entry.generation !== this.generationOf(organizationId)) return undefined;
    // Hits are counted here (the warm path peeks), misses where `get` loads: a warm-path miss goes on to `get`.
    this.metrics.rolesCacheLookup('hit');
    return { value: entry.value as T };
  }

  /** The cached answer for (organization, key), or what `load` reads, cached when still current. */
  async get<T>(organizationId: string, key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.peek<T>(organizationId, key);
    if (hit) return hit.value;
    this.metrics.rolesCacheLookup('miss');
    const generation = this.generationOf(organizationId);
    const value = await load();
    if (this.listening && this.generationOf(organizationId) === generation)
      this.entries.set(`${organizationId}|${key}`, { generation, value });
    return value;
  }

  /**
   * Tells every instance, at the commit of `manager`'s transaction, that the organization's roles
   * changed (or, with no organization, that any may have). Call `invalidate` once committed.
   */
  async announceChange(manager: EntityManager, organizationId?: string): Promise<void> {
    await manager.query('SELECT pg_notify($1, $2)', [ROLES_CHANGED_CHANNEL, organizationId ?? EVERY_ORGANIZATION]);
  }

  invalidate(organizationId?: string): void {
    if (organizationId === undefined || organizationId === EVERY_ORGANIZATION) this.epoch++;
    else this.generations.set(organizationId, (this.generations.get(organizationId) ?? 0) + 1);
  }

  private generationOf(organizationId: string): string {
    return `${this.epoch}.${this.generations.get(organizationId) ?? 0}`;
  }

  private async listen(): Promise<void> {
    const options = this.dataSource.options as { url?: string };
    const client = new Client(listenerClientConfig(options.url, 'sso-roles-cache'));
    client.on('notification', (message) => {
      if (message.channel === ROLES_CHANGED_CHANNEL) this.invalidate(message.payload);
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    this.listener = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${ROLES_CHANGED_CHANNEL}`);
    } catch (error) {
      this.lost(client, error);
      return;
    }
    if (client !== this.listener) return;
    // Whatever was cached before this connection may have missed a notification.
    this.entries.clear();
    if (this.everListened) this.logger.log('roles cache on again: PostgreSQL LISTEN is back');
    this.everListened = true;
    this.listening = true;
    this.stopHeartbeat = startHeartbeat(client, (error) => this.lost(client, error));
  }

  /** The LISTEN connection failed or ended: stop caching and, unless shutting down, reconnect. */
  private lost(client: Client, error?: unknown): void {
    if (client !== this.listener) return;
    const wasListening = this.listening;
    this.listening = false;
    this.listener = undefined;
    this.stopHeartbeat?.();
    closeAtOnce(client);
    if (this.stopped) return;
    // Once per outage, not once per failed reconnection.
    if (wasListening)
      this.logger.warn(`roles cache off until PostgreSQL LISTEN is back: ${error instanceof Error ? error.message : 'connection ended'}`);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.listen();
    }, RECONNECT_DELAY_MS);
  }
}
