import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Inject } from '@nestjs/common';
import { GraphQLError } from 'graphql';
import type { Response } from 'express';
import type { Logger } from 'pino';
import { QueryFailedError } from 'typeorm';
import { AppError, ErrorKind, RateLimitedError } from './errors';
import { LOGGER } from '../logging/logger';

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
 * Turns AppErrors into GraphQL errors or HTTP answers; anything unexpected is logged with
 * its stack and answered with a bare 500 / INTERNAL_SERVER_ERROR that reveals nothing.
 */
@Catch()
export class AppExceptionFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): GraphQLError | void {
    const isGraphql = host.getType<string>() === 'graphql';
    if (exception instanceof AppError) {
      const { graphqlCode, httpStatus } = mapErrorKind(exception.kind);
      const field = 'field' in exception ? (exception.field as string) : undefined;
      if (isGraphql) {
        return new GraphQLError(exception.message, { extensions: { code: graphqlCode, ...(field ? { field } : {}) } });
      }
      const response = host.switchToHttp().getResponse<Response>();
      if (exception instanceof RateLimitedError) response.setHeader('Retry-After', String(exception.retryAfterSeconds));
      response.status(httpStatus).json({ error: graphqlCode.toLowerCase(), message: exception.message, ...(field ? { field } : {}) });
      return;
    }
    if (exception instanceof HttpException && !isGraphql) {
      const status = exception.getStatus();
      if (status >= 500) this.logger.error({ err: loggableError(exception) }, 'request failed');
      host.switchToHttp().getResponse<Response>().status(status).json({ error: 'http_error', message: exception.message });
      return;
    }
    this.logger.error({ err: loggableError(exception) }, 'unexpected error');
    if (isGraphql) {
      return new GraphQLError('Internal server error', { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    }
    host.switchToHttp().getResponse<Response>().status(500).json({ error: 'internal_error', message: 'Internal server error' });
  }
}
