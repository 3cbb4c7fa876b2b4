import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Inject, Optional } from '@nestjs/common';
import { GqlArgumentsHost } from '@nestjs/graphql';
import { GraphQLError } from 'graphql';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { QueryFailedError } from 'typeorm';
import { AppError, DatabaseUnavailableError, ErrorKind, RateLimitedError } from './errors';
import { escapeHtml, htmlPage } from './html';
import { LOGGER } from '../logging/logger';
import { noteRequestFailure } from '../logging/request-logging.middleware';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { databaseOutageCause } from '../database/postgres-errors';
import { DATABASE_OUTAGE_OBSERVER, type DatabaseOutageObserver } from './database-outages';

interface ErrorMapping {
  graphqlCode: string;
  httpStatus: number;
}

/** The one place an error kind becomes a GraphQL code and an HTTP status. */
export function mapErrorKind(kind: ErrorKind): ErrorMapping {
  switch (kind) {
    case 'bad_input':
      return { graphqlCode: 'BAD_USER_INPUT', httpStatus: HttpStatus.BAD_REQUEST };
    case 'not_found':
      return { graphqlCode: 'NOT_FOUND', httpStatus: HttpStatus.NOT_FOUND };
    case 'forbidden':
      return { graphqlCode: 'FORBIDDEN', httpStatus: HttpStatus.FORBIDDEN };
    case 'unauthenticated':
      return { graphqlCode: 'UNAUTHENTICATED', httpStatus: HttpStatus.UNAUTHORIZED };
    case 'conflict':
      return { graphqlCode: 'BAD_USER_INPUT', httpStatus: HttpStatus.CONFLICT };
    case 'rate_limited':
      return { graphqlCode: 'RATE_LIMITED', httpStatus: HttpStatus.TOO_MANY_REQUESTS };
    case 'unavailable':
      return { graphqlCode: 'SERVICE_UNAVAILABLE', httpStatus: HttpStatus.SERVICE_UNAVAILABLE };
    default: {
      const unhandled: never = kind;
      throw new Error(`unmapped error kind ${String(unhandled)}`);
    }
  }
}

/**
 * What the log keeps of an unexpected error. A failed query keeps its SQL text (placeholders
 * only), SQLSTATE, table and constraint, never its parameters nor PostgreSQL's message and
 * detail, which quote the values (`invalid input syntax for type uuid: "…"`, `Key (email)=(…)`).
 */
export function loggableError(exception: unknown): Record<string, unknown> {
  if (exception instanceof QueryFailedError) {
    const driverError = exception.driverError as { code?: string; table?: string; constraint?: string; routine?: string };
    return {
      type: 'QueryFailedError',
      query: exception.query,
      code: driverError?.code,
      table: driverError?.table,
      constraint: driverError?.constraint,
      routine: driverError?.routine,
      stack: exception.stack?.split('\n').slice(1).join('\n'),
    };
  }
  if (exception instanceof Error) return { type: exception.name, message: exception.message, stack: exception.stack };
  return { type: typeof exception };
}

/**
 * The error as the service means it: a database that cannot serve now (whatever pg or TypeORM
 * called it) becomes a DatabaseUnavailableError; anything else is left as it is.
 */
export function asDomainError(error: unknown, config: Pick<AppConfig, 'databaseStatementTimeoutMs'>): unknown {
  if (error instanceof AppError) return error;
  const outage = databaseOutageCause(error, { statementTimeoutMs: config.databaseStatementTimeoutMs });
  return outage ? new DatabaseUnavailableError(outage, { cause: error }) : error;
}

/**
 * The answer to a request the database could not serve: 503 with Retry-After, a short page for
 * people (HTML when the browser asks for it) and JSON for programs. Its cause goes into the
 * request's one log line.
 */
export function sendServiceUnavailable(request: Request, response: Response, error: DatabaseUnavailableError): void {
  noteRequestFailure(response, { level: 'warn', cause: `database unavailable: ${error.reason}` });
  response.status(HttpStatus.SERVICE_UNAVAILABLE).setHeader('Retry-After', String(error.retryAfterSeconds));
  response.setHeader('Cache-Control', 'no-store');
  const reference = String(request.id ?? '');
  if (request.accepts(['json', 'html']) === 'html') {
    response.type('html').send(
      htmlPage(
        'Briefly unavailable',
        `<h1>The service is briefly unavailable</h1>
<p>${escapeHtml(error.message)}.</p>
<p>Nothing you did caused this. Please try again in a few seconds.</p>
<p>Error code: <code>service_unavailable</code><br>Reference: <code>${escapeHtml(reference)}</code></p>`,
      ),
    );
    return;
  }
  response.json({
    error: 'service_unavailable',
    message: error.message,
    retryAfterSeconds: error.retryAfterSeconds,
    correlationId: reference,
  });
}

/**
 * Turns AppErrors into GraphQL errors or HTTP answers, and a database outage into "briefly
 * unavailable"; anything unexpected is answered with a bare 500 / INTERNAL_SERVER_ERROR that
 * reveals nothing, its stack in the request's log line.
 */
@Catch()
export class AppExceptionFilter implements ExceptionFilter {
  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() @Inject(DATABASE_OUTAGE_OBSERVER) private readonly outages?: DatabaseOutageObserver,
  ) {}

  catch(thrown: unknown, host: ArgumentsHost): GraphQLError | void {
    const isGraphql = host.getType<string>() === 'graphql';
    const request = isGraphql
      ? GqlArgumentsHost.create(host).getContext<{ req?: Request }>()?.req
      : host.switchToHttp().getRequest<Request>();
    const response = isGraphql ? request?.res : host.switchToHttp().getResponse<Response>();
    const exception = asDomainError(thrown, this.config);
    if (exception instanceof AppError) {
      const { graphqlCode, httpStatus } = mapErrorKind(exception.kind);
      const field = 'field' in exception ? (exception.field as string) : undefined;
      if (exception instanceof DatabaseUnavailableError) this.outages?.databaseUnavailable(isGraphql ? 'graphql' : 'http');
      if (isGraphql) {
        if (exception instanceof DatabaseUnavailableError && response) {
          noteRequestFailure(response, { level: 'error', cause: `database unavailable: ${exception.reason}` });
          response.setHeader('Retry-After', String(exception.retryAfterSeconds));
        }
        return new GraphQLError(exception.message, { extensions: { code: graphqlCode, ...(field ? { field } : {}) } });
      }
      if (exception instanceof DatabaseUnavailableError) return sendServiceUnavailable(request!, response!, exception);
      if (exception instanceof RateLimitedError) response!.setHeader('Retry-After', String(exception.retryAfterSeconds));
      response!.status(httpStatus).json({ error: graphqlCode.toLowerCase(), message: exception.message, ...(field ? { field } : {}) });
      return;
    }
    if (exception instanceof HttpException && !isGraphql) {
      const status = exception.getStatus();
      if (status >= 500) this.logUnexpected(request, response, 'request failed', exception);
      response!.status(status).json({ error: 'http_error', message: exception.message });
      return;
    }
    this.logUnexpected(request, response, 'unexpected error', exception);
    if (isGraphql) {
      return new GraphQLError('Internal server error', { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    }
    response!.status(500).json({ error: 'internal_error', message: 'Internal server error' });
  }

  /** Into the request's one log line when it has one (the request logging ran), else a line of its own. */
  private logUnexpected(request: Request | undefined, response: Response | undefined, cause: string, exception: unknown): void {
    const err = loggableError(exception);
    if (response && request?.id) noteRequestFailure(response, { level: 'error', cause, err });
    else this.logger.error({ err }, cause);
  }
}
