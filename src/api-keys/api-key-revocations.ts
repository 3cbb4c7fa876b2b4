import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Client } from 'pg';
import type { Logger } from 'pino';
import { LOGGER } from '../logging/logger';
import { closeAtOnce, listenerClientConfig, startHeartbeat } from '../database/listener-heartbeat';

const CHANNEL = 'api_key_revoked';
const RECONNECT_DELAY_MS = 1000;
/** How long a revocation waits to hear its own notice back before answering anyway. */
const ECHO_WAIT_MS = 2000;

/**
 * Tells every instance that a key was revoked, through PostgreSQL's NOTIFY (sent when the
 * revoking transaction commits) and a LISTEN connection of each instance's own. Each instance
 * forgets the key at once; while the LISTEN connection is down, nothing is remembered at all
 * (`onUnreliable`), so no instance trusts a key longer than its database would.
 */
@Injectable()
export class ApiKeyRevocations implements OnApplicationShutdown {
  private client: Client | undefined;
  private stopped = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private stopHeartbeat: (() => void) | undefined;
  private handlers: { onRevoked: (secretHash: string) => void; onUnreliable: () => void } | undefined;
  private readonly echoes = new Map<string, () => void>();

  constructor(
    private readonly dataSource: DataSource,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Announces a revocation inside the revoking transaction: delivered only if it commits. */
  async announce(manager: EntityManager, secretHash: string): Promise<void> {
    await manager.query('SELECT pg_notify($1, $2)', [CHANNEL, secretHash]);
  }

  /**
   * Resolves when this instance's own listener hears the revocation of `secretHash` (or after a
   * short bound): PostgreSQL has then delivered the notice to every listening instance, so the
   * revocation is answered only once the others were told. Call it before the transaction commits.
   */
  echoOf(secretHash: string): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ECHO_WAIT_MS);
      const echoes = this.echoes;
      function done(): void {
        clearTimeout(timer);
        echoes.delete(secretHash);
        resolve();
      }
      this.echoes.set(secretHash, done);
    });
  }

  /** Starts listening; resolves once the LISTEN is in place. */
  async listen(onRevoked: (secretHash: string) => void, onUnreliable: () => void): Promise<void> {
    this.handlers = { onRevoked, onUnreliable };
    await this.connect();
  }

  private async connect(): Promise<void> {
    const url = (this.dataSource.options as { url?: string }).url;
    const client = new Client(listenerClientConfig(url, 'sso-api-key-revocations'));
    client.on('notification', (message) => {
      if (message.channel !== CHANNEL || !message.payload) return;
      this.handlers?.onRevoked(message.payload);
      this.echoes.get(message.payload)?.();
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      this.client = client;
      // A silent partition counts as lost too: nothing is remembered past the heartbeat's deadline.
      this.stopHeartbeat = startHeartbeat(client, (error) => this.lost(client, error));
    } catch (error) {
      this.lost(client, error);
    }
  }

  private lost(client: Client, error?: unknown): void {
    if (this.stopped || (this.client && this.client !== client)) return;
    this.client = undefined;
    this.stopHeartbeat?.();
    this.stopHeartbeat = undefined;
    this.handlers?.onUnreliable();
    if (error) this.logger.warn({ err: { message: (error as Error).message } }, 'API key revocation listener lost; retrying');
    closeAtOnce(client);
    if (!this.reconnectTimer) {
      this.reconnectTimer = setTimeout(() => {
        this.reconnectTimer = undefined;
        if (!this.stopped) void this.connect();
      }, RECONNECT_DELAY_MS);
    }
  }

  /** Whether revocations by other instances are being heard right now. */
  get listening(): boolean {
    return this.client !== undefined;
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.stopHeartbeat?.();
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    await this.client?.end().catch(() => undefined);
    this.client = undefined;
  }
}
