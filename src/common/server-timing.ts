import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Adds `Server-Timing: app;dur=<ms>` to every response: the time from the request reaching the
 * application to its status line being written, measured inside the service (the benchmark reads
 * it; browsers' devtools show it). One clock read at each end, nothing stored.
 */
export function serverTiming(_request: IncomingMessage, response: ServerResponse, next: () => void): void {
  const started = performance.now();
  const writeHead = response.writeHead;
  response.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    if (!this.headersSent) this.setHeader('Server-Timing', `app;dur=${(performance.now() - started).toFixed(2)}`);
    return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as ServerResponse['writeHead'];
  next();
}
