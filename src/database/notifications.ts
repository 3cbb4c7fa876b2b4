import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Client } from 'pg';
import type { Logger } from 'pino';
import { DataSource, EntityManager } from 'typeorm';
import { LOGGER } from '../logging/logger';
import { closeAtOnce, listenerClientConfig, startHeartbeat } from './listener-heartbeat';

const RECONNECT_DELAY_MS = 1_000;
const CHANNEL_NAME = /^[a-z_]+$/;

/** What a part of the service that remembers database state learns from the listener. */
export interface NotificationSubscriber {
  /** A NOTIFY on the subscribed channel, with its payload. */
  onNotification(payload: string): void;
  /** The listener (re)connected: anything remembered before may have missed a notification. */
  onListening?(): void;
  /** The listener is lost: from now until `onListening`, notifications may be missed. */
  onLost?(): void;
}

/**
 * The instance's one LISTEN connection to PostgreSQL, shared by everything that remembers database
 * state and relies on other instances' NOTIFY to forget it (the roles cache, remembered API keys,
 * connections read for logins). Subscriptions are made by constructors, before the connection
 * opens. "Lost" includes silent: a heartbeat that misses its deadline counts (listener-heartbeat.ts).
 */
@Injectable()
export class DatabaseNotifications implements OnModuleInit, OnApplicationShutdown {
  private readonly subscribers = new Map<string, NotificationSubscriber[]>();
  private client: Client | undefined;
  private connected = false;
  private everConnected = false;
  private started = false;
  private stopped = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private stopHeartbeat: (() => void) | undefined;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  subscribe(channel: string, subscriber: NotificationSubscriber): void {
    if (!CHANNEL_NAME.test(channel)) throw new Error(`not a channel name: ${channel}`);
    if (this.started) throw new Error(`subscribe to ${channel} before the listener starts (in a constructor)`);
    this.subscribers.set(channel, [...(this.subscribers.get(channel) ?? []), subscriber]);
  }

  /** Whether every NOTIFY since the last `onListening` has been heard. */
  get listening(): boolean {
    return this.connected;
  }

  /** Sends a notification inside `manager`'s transaction: PostgreSQL delivers it, to every instance, only if that commits. */
  async notify(manager: EntityManager, channel: string, payload: string): Promise<void> {
    await manager.query('SELECT pg_notify($1, $2)', [channel, payload]);
  }

  /** Resolves once listening, or once the first attempt failed (it retries in the background). */
  async onModuleInit(): Promise<void> {
    this.started = true;
    await this.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    this.stopHeartbeat?.();
    this.connected = false;
    await this.client?.end().catch(() => undefined);
  }

  /** The listening connection's client, not yet connected (a test hands in a stand-in). */
  protected newClient(): Client {
    return new Client(listenerClientConfig((this.dataSource.options as { url?: string }).url, 'sso-notifications'));
  }

  private async connect(): Promise<void> {
    const client = this.newClient();
    client.on('notification', ({ channel, payload }) => {
      for (const subscriber of this.subscribers.get(channel) ?? []) subscriber.onNotification(payload ?? '');
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    this.client = client;
    try {
      await client.connect();
      if (this.subscribers.size) await client.query([...this.subscribers.keys()].map((channel) => `LISTEN ${channel}`).join('; '));
    } catch (error) {
      this.lost(client, error);
      return;
    }
    if (client !== this.client) return;
    this.connected = true;
    for (const subscriber of this.allSubscribers()) subscriber.onListening?.();
    if (this.everConnected) this.logger.info('PostgreSQL LISTEN is back: the caches that rely on it are on again');
    this.everConnected = true;
    this.stopHeartbeat = startHeartbeat(client, (error) => this.lost(client, error));
  }

  /** The connection failed, ended or went silent: nothing relies on it until it is back. */
  private lost(client: Client, error?: unknown): void {
    if (client !== this.client) return;
    const wasConnected = this.connected;
    this.connected = false;
    this.client = undefined;
    this.stopHeartbeat?.();
    this.stopHeartbeat = undefined;
    closeAtOnce(client);
    for (const subscriber of this.allSubscribers()) subscriber.onLost?.();
    if (this.stopped) return;
    // Once per outage, not once per failed reconnection.
    if (wasConnected) {
      const reason = error instanceof Error ? error.message : 'connection ended';
      this.logger.warn(`PostgreSQL LISTEN lost (${reason}): the caches that rely on it are off until it is back`);
    }
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.connect();
    }, RECONNECT_DELAY_MS);
  }

  private allSubscribers(): NotificationSubscriber[] {
    return [...this.subscribers.values()].flat();
  }
}
