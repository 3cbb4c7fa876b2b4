import { Inject, Injectable, NestMiddleware } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { pinoHttp, type HttpLogger } from 'pino-http';
import { LOGGER, redactUrl } from './logger';

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/** One log line per request, carrying a request id (taken from `X-Request-Id` when sane). */
@Injectable()
export class RequestLoggingMiddleware implements NestMiddleware {
  private readonly httpLogger: HttpLogger;

  constructor(@Inject(LOGGER) logger: Logger) {
    this.httpLogger = pinoHttp({
      logger,
      genReqId: (req: IncomingMessage, res: ServerResponse) => {
        const incoming = req.headers['x-request-id'];
        const id = typeof incoming === 'string' && REQUEST_ID_PATTERN.test(incoming) ? incoming : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      serializers: {
        req: (req: { id: string; method: string; url: string; headers: Record<string, unknown>; remoteAddress?: string }) => ({
          id: req.id,
          method: req.method,
          url: redactUrl(req.url),
          remoteAddress: req.remoteAddress,
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
      autoLogging: { ignore: (req) => req.url === '/health' },
    });
  }

  use(req: IncomingMessage, res: ServerResponse, next: () => void): void {
    this.httpLogger(req, res, next);
  }
}
