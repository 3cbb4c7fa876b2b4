import type { IncomingMessage, ServerResponse } from 'node:http';

const EXTRA = Symbol('serverTimingEntries');
type TimedResponse = ServerResponse & { [EXTRA]?: Record<string, number> };

/**
 * Adds `Server-Timing: app;dur=<ms>` to every response: the time from the request reaching the
 * application to its status line being written, measured inside the service (the benchmark reads
 * it; browsers' devtools show it). One clock read at each end, nothing stored. Entries recorded
 * with `recordServerTiming` (such as `idp`, the time spent waiting for the IdP) follow it.
 */
export function serverTiming(_request: IncomingMessage, response: ServerResponse, next: () => void): void {
  const started = performance.now();
  // eslint-disable-next-line @typescript-eslint/unbound-method -- re-applied to this same response below
  const writeHead = response.writeHead;
  response.writeHead = function (this: TimedResponse, ...args: unknown[]) {
    if (!this.headersSent) {
      let value = `app;dur=${(performance.now() - started).toFixed(2)}`;
      for (const [name, ms] of Object.entries(this[EXTRA] ?? {})) value += `, ${name};dur=${ms.toFixed(2)}`;
      this.setHeader('Server-Timing', value);
    }
    return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
  };
  next();
}

/** Adds `ms` to the response's Server-Timing entry `name` (a token: letters, digits, `-`, `_`). */
export function recordServerTiming(response: ServerResponse, name: string, ms: number): void {
  const entries = ((response as TimedResponse)[EXTRA] ??= {});
  entries[name] = (entries[name] ?? 0) + ms;
}
