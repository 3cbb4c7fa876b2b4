import { describe, expect, it } from '@jest/globals';
import type { ArgumentsHost } from '@nestjs/common';
import { Writable } from 'node:stream';
import { QueryFailedError } from 'typeorm';
import { AppExceptionFilter, asDomainError, loggableError, mapErrorKind } from './app-exception.filter';
import { DatabaseUnavailableError, NotFoundError } from './errors';
import type { AppConfig } from '../config/app-config';
import { createLogger } from '../logging/logger';

function httpHost(request: object = {}): { host: ArgumentsHost; answer: { status?: number; body?: unknown } } {
  const answer: { status?: number; body?: unknown } = {};
  const response = {
    status(code: number) {
      answer.status = code;
      return response;
    },
    setHeader: () => response,
    json(body: unknown) {
      answer.body = body;
    },
  };
  const host = {
    getType: () => 'http',
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => response }),
  } as unknown as ArgumentsHost;
  return { host, answer };
}

function failedQuery(): QueryFailedError {
  const driverError = Object.assign(new Error('invalid input syntax for type uuid: "secret-value-1"'), {
    code: '22P02',
    detail: 'Key (email)=(secret-value-2) already exists.',
    table: 'users',
  });
  return new QueryFailedError('SELECT * FROM users WHERE id = $1 AND email = $2', ['secret-value-1', 'secret-value-2'], driverError);
}

describe(AppExceptionFilter.name, () => {
  it('logs a failed query without its parameters or the values PostgreSQL quotes, and answers a bare 500', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const filter = new AppExceptionFilter(createLogger('info', false, sink), { databaseStatementTimeoutMs: 5000 } as AppConfig);
    const { host, answer } = httpHost();
    filter.catch(failedQuery(), host);
    expect(answer).toEqual({ status: 500, body: { error: 'internal_error', message: 'Internal server error' } });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('SELECT * FROM users WHERE id = $1');
    expect(lines[0]).toContain('22P02');
    expect(lines[0]).not.toContain('secret-value');
  });
});

describe('outage counting', () => {
  it('tells the observer of each request answered "briefly unavailable", and of nothing else', () => {
    const surfaces: string[] = [];
    const filter = new AppExceptionFilter(createLogger('silent', false), { databaseStatementTimeoutMs: 5000 } as AppConfig, {
      databaseUnavailable: (surface) => surfaces.push(surface),
    });
    const outage = httpHost({ id: 'request-1', accepts: () => 'json' });
    filter.catch(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }), outage.host);
    expect(outage.answer.status).toBe(503);
    filter.catch(new NotFoundError('member'), httpHost().host);
    expect(surfaces).toEqual(['http']);
  });
});

describe(loggableError.name, () => {
  it('keeps an ordinary error’s message and stack', () => {
    expect(loggableError(new TypeError('boom'))).toMatchObject({
      type: 'TypeError',
      message: 'boom',
      stack: expect.stringContaining('boom'),
    });
  });
});

describe('logger redaction', () => {
  it('blanks parameters and driver errors logged by anyone else', () => {
    const lines: string[] = [];
    const logger = createLogger(
      'info',
      false,
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    );
    logger.error({ err: failedQuery() }, 'logged raw');
    expect(lines[0]).toContain('logged raw');
    // secret-value-2 is only in the parameters and PostgreSQL's detail (the message is the filter's job).
    expect(lines[0]).not.toContain('secret-value-2');
  });
});

describe(asDomainError.name, () => {
  const config = { databaseStatementTimeoutMs: 5000 };

  it('turns a database outage into DatabaseUnavailableError, mapped to 503 and SERVICE_UNAVAILABLE', () => {
    const outage = asDomainError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }), config);
    expect(outage).toBeInstanceOf(DatabaseUnavailableError);
    expect((outage as DatabaseUnavailableError).reason).toBe('connection refused (ECONNREFUSED)');
    expect(mapErrorKind('unavailable')).toEqual({ graphqlCode: 'SERVICE_UNAVAILABLE', httpStatus: 503 });
  });

  it('leaves domain errors and bugs as they are', () => {
    const notFound = new NotFoundError('member');
    expect(asDomainError(notFound, config)).toBe(notFound);
    const bug = new TypeError('undefined is not a function');
    expect(asDomainError(bug, config)).toBe(bug);
  });
});
