import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { serverTiming } from './server-timing';
import { securityHeaders } from './security-headers';
import { RequestLoggingMiddleware } from '../logging/request-logging.middleware';

export type PerRequestMiddleware = (request: IncomingMessage, response: ServerResponse, next: () => void) => void;

/**
 * What every response passes, in order: Server-Timing, the request id and log line, the security
 * headers. Express
 * runs them for its requests (create-app.ts), the roles fast path for the answers it sends itself.
 */
export function perRequestMiddleware(logger: Logger, config: { publicUrl: string }): PerRequestMiddleware[] {
  const requestLogging = new RequestLoggingMiddleware(logger);
  return [
    serverTiming,
    (request, response, next) => requestLogging.use(request, response, next),
    securityHeaders({ https: new URL(config.publicUrl).protocol === 'https:' }) as PerRequestMiddleware,
  ];
}
