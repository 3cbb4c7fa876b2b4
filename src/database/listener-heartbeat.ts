import type { Client, ClientConfig } from 'pg';

/**
 * A silent partition (no FIN, no RST) leaves a LISTEN connection looking open while the
 * notifications are lost on the way. A round trip every HEARTBEAT_INTERVAL_MS that must come back
 * within HEARTBEAT_DEADLINE_MS finds it within their sum (4 s); TCP keepalive finds a vanished peer.
 */
export const HEARTBEAT_INTERVAL_MS = 2_000;
export const HEARTBEAT_DEADLINE_MS = 2_000;

/** The settings of a LISTEN connection: keepalive, and bounded connect and query waits. */
export function listenerClientConfig(connectionString: string | undefined, applicationName: string): ClientConfig {
  return {
    connectionString,
    application_name: applicationName,
    keepAlive: true,
    keepAliveInitialDelayMillis: 1_000,
    connectionTimeoutMillis: HEARTBEAT_DEADLINE_MS,
    query_timeout: HEARTBEAT_DEADLINE_MS + 500,
  };
}

/**
 * Sends `SELECT 1` on the connection every interval; one that fails or misses the deadline calls
 * `onLost` once. Returns the stop.
 */
export function startHeartbeat(client: Client, onLost: (error: Error) => void): () => void {
  let reported = false;
  const lost = (error: Error) => {
    if (reported) return;
    reported = true;
    clearInterval(timer);
    onLost(error);
  };
  const timer = setInterval(() => {
    const deadline = setTimeout(() => lost(new Error(`heartbeat timed out after ${HEARTBEAT_DEADLINE_MS} ms`)), HEARTBEAT_DEADLINE_MS);
    client.query('SELECT 1').then(
      () => clearTimeout(deadline),
      (error: unknown) => {
        clearTimeout(deadline);
        lost(error instanceof Error ? error : new Error(String(error)));
      },
    );
  }, HEARTBEAT_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/** Closes a connection that may have gone silent: end() alone would wait for an answer. */
export function closeAtOnce(client: Client): void {
  void client.end().catch(() => undefined);
  (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}
