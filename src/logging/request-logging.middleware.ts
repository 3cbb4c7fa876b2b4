import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { redactUrl } from './logger';

declare module 'node:http' {
  interface IncomingMessage {
    /** The request id RequestLoggingMiddleware gives every request (also sent as `X-Request-Id`). */
    id?: string;
  }
}

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

type Level = 'info' | 'warn' | 'error';

/**
 * One log line per request, carrying a request id (taken from `X-Request-Id` when sane).
 * The record is built only when its level is enabled: with LOG_LEVEL=warn a successful request
 * costs a request id and one listener, not a child logger with serialised bindings (which is
 * what pino-http builds for every request, logged or not).
 */
export class RequestLoggingMiddleware {
  constructor(private readonly logger: Logger) {}

  use(req: IncomingMessage, res: ServerResponse, next: () => void): void {
    const started = Date.now();
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && REQUEST_ID_PATTERN.test(incoming) ? incoming : randomUUID();
    req.id = id;
    res.setHeader('X-Request-Id', id);
    if (req.url !== '/health') {
      res.once('close', () => {
        const level: Level = res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info';
        if (!this.logger.isLevelEnabled(level)) return;
        this.logger[level](
          {
            req: { id, method: req.method, url: redactUrl(req.url ?? ''), remoteAddress: req.socket.remoteAddress },
            res: { statusCode: res.statusCode },
            responseTime: Date.now() - started,
          },
          !res.writableFinished ? 'request aborted' : level === 'error' ? 'request errored' : 'request completed',
        );
      });
    }
    next();
  }
}
