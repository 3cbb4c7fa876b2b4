import pino, { type Logger } from 'pino';
import type { LoggerService } from '@nestjs/common';

const SENSITIVE_QUERY_PARAMETERS = ['code', 'state', 'token', 'id_token', 'access_token', 'client_secret'];
/**
 * Routes whose last path segment is a credential: a test sign-in link (`/sso/test/<token>`)
 * works for anyone who holds it. Matched loosely (any case, repeated slashes): a mistyped link
 * carries the token all the same.
 */
const SENSITIVE_PATH_SEGMENT = /^(\/+sso\/+test\/+)[^/?#]+/i;

/** Paths pino blanks in every record: credentials never reach a log line. */
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'secret',
  'password',
  'clientSecret',
  'client_secret',
  'token',
  '*.secret',
  '*.password',
  '*.clientSecret',
  '*.client_secret',
  '*.token',
  '*.secretsKey',
  '*.previousSecretsKeys',
  // A failed query's values (TypeORM's QueryFailedError, pg's DatabaseError), wherever an error is logged.
  '*.parameters',
  '*.driverError',
  '*.detail',
];

/** A URL's path and query with credential-bearing path segments and parameter values blanked. */
export function redactUrl(rawUrl: string): string {
  const url = rawUrl.replace(SENSITIVE_PATH_SEGMENT, '$1[Redacted]');
  const queryStart = url.indexOf('?');
  if (queryStart < 0) return url;
  const query = new URLSearchParams(url.slice(queryStart + 1));
  for (const name of SENSITIVE_QUERY_PARAMETERS) if (query.has(name)) query.set(name, '[Redacted]');
  return `${url.slice(0, queryStart)}?${query.toString()}`;
}

/** JSON lines for machines; colourised lines when a person runs it in a terminal. */
export function createLogger(level: string, pretty = Boolean(process.stdout.isTTY), destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    redact: { paths: REDACTED_PATHS, censor: '[Redacted]' },
    base: { service: 'sso-backend' },
    timestamp: pino.stdTimeFunctions.isoTime,
    ...(pretty && !destination ? { transport: { target: 'pino-pretty', options: { colorize: true, singleLine: true } } } : {}),
  };
  return destination ? pino(options, destination) : pino(options);
}

/** Nest's framework logs, written through pino so that everything is one stream. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
}

/** Injection token of the root pino logger. */
export const LOGGER = Symbol('LOGGER');
