import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { DatabaseNotifications } from '../database/notifications';

const CHANNEL = 'api_key_revoked';
/** How long a revocation waits to hear its own notice back before answering anyway. */
const ECHO_WAIT_MS = 2000;

/**
 * Tells every instance that a key was revoked, through PostgreSQL's NOTIFY (sent when the
 * revoking transaction commits) and the instance's LISTEN connection. Each instance forgets the
 * key at once; while the LISTEN connection is down, nothing is remembered at all (`onUnreliable`),
 * so no instance trusts a key longer than its database would.
 */
@Injectable()
export class ApiKeyRevocations {
  private handlers: { onRevoked: (secretHash: string) => void; onUnreliable: () => void } | undefined;
  private readonly echoes = new Map<string, () => void>();

  constructor(private readonly notifications: DatabaseNotifications) {
    notifications.subscribe(CHANNEL, {
      onNotification: (secretHash) => {
        this.handlers?.onRevoked(secretHash);
        this.echoes.get(secretHash)?.();
      },
      // Lost, or back after a loss: either way a revocation may have gone unheard.
      onLost: () => this.handlers?.onUnreliable(),
      onListening: () => this.handlers?.onUnreliable(),
    });
  }

  /** Announces a revocation inside the revoking transaction: delivered only if it commits. */
  announce(manager: EntityManager, secretHash: string): Promise<void> {
    return this.notifications.notify(manager, CHANNEL, secretHash);
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

  /** Who is told of revocations, and of the moments when they may have been missed. */
  onRevocations(onRevoked: (secretHash: string) => void, onUnreliable: () => void): void {
    this.handlers = { onRevoked, onUnreliable };
  }

  /** Whether revocations by other instances are being heard right now. */
  get listening(): boolean {
    return this.notifications.listening;
  }
}
