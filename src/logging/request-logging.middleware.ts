import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { redactUrl } from './logger';

declare module 'node:http' {
  interface IncomingMessage {
    /** The service's own id for the request (RequestLoggingMiddleware): the reference on pages and in login activity. */
    id?: string;
    /** The caller's `X-Request-Id`, when sane: logged beside `id`, echoed back, never used as a reference. */
    clientRequestId?: string;
  }
}

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

type Level = 'info' | 'warn' | 'error';

const SEVERITY: Record<Level, number> = { info: 0, warn: 1, error: 2 };
const FAILURE = Symbol('requestFailure');

/** Why a request failed, as its one log line tells it. */
export interface RequestFailure {
  level: 'warn' | 'error';
  /** One phrase: what went wrong and why (e.g. "database unavailable: connection refused"). */
  cause: string;
  /** The error itself, for an unexpected one whose stack is worth reading. */
  err?: unknown;
}

/**
 * Puts a failure's cause into the request's own log line instead of a line of its own: one line
 * per failed request, however many layers saw the error.
 */
export function noteRequestFailure(res: ServerResponse, failure: RequestFailure): void {
  (res as ServerResponse & { [FAILURE]?: RequestFailure })[FAILURE] = failure;
}
/** Probes and scrapes, called every few seconds by machines: their lines would drown the rest. */
const UNLOGGED_PATHS = new Set(['/health', '/health/live', '/health/ready', '/metrics']);

/**
 * One log line per request, carrying the service's own request id and, beside it, the caller's
 * `X-Request-Id` when sane (echoed back in `X-Request-Id`, so the caller can find its line; a
 * caller's id is never the reference a page or the login activity shows, since anyone can choose it).
 * The record is built only when its level is enabled: with LOG_LEVEL=warn a successful request
 * costs a request id and one listener, not a child logger with serialised bindings (which is
 * what pino-http builds for every request, logged or not).
 */
export class RequestLoggingMiddleware {
  constructor(private readonly logger: Logger) {}

  use(req: IncomingMessage, res: ServerResponse, next: () => void): void {
    const started = Date.now();
    const incoming = req.headers['x-request-id'];
    const clientRequestId = typeof incoming === 'string' && REQUEST_ID_PATTERN.test(incoming) ? incoming : undefined;
    const id = randomUUID();
    req.id = id;
    req.clientRequestId = clientRequestId;
    res.setHeader('X-Request-Id', clientRequestId ?? id);
    // Read now: a mounted handler (Express's app.use('/graphql', …)) rewrites req.url to its rest, "/".
    const url = req.url ?? '';
    if (!UNLOGGED_PATHS.has(url)) {
      res.once('close', () => {
        const failure = (res as ServerResponse & { [FAILURE]?: RequestFailure })[FAILURE];
        const byStatus: Level = res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info';
        const level: Level = failure && SEVERITY[failure.level] > SEVERITY[byStatus] ? failure.level : byStatus;
        if (!this.logger.isLevelEnabled(level)) return;
        this.logger[level](
          {
            req: {
              id,
              ...(clientRequestId ? { clientRequestId } : {}),
              method: req.method,
              url: redactUrl(url),
              remoteAddress: req.socket.remoteAddress,
            },
            res: { statusCode: res.statusCode },
            responseTime: Date.now() - started,
            ...(failure ? { cause: failure.cause, ...(failure.err ? { err: failure.err } : {}) } : {}),
          },
          !res.writableFinished ? 'request aborted' : level === 'error' ? 'request errored' : 'request completed',
        );
      });
    }
    next();
  }
}
