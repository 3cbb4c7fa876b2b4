import { describe, expect, it } from '@jest/globals';
import { QueryFailedError } from 'typeorm';
import { databaseOutageCause, isForeignKeyViolation, isUniqueViolation } from './postgres-errors';

const timeouts = { statementTimeoutMs: 1500 };

function pgError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

describe(databaseOutageCause.name, () => {
  it.each([
    [pgError('57014', 'canceling statement due to statement timeout'), 'a statement timed out after 1500 ms'],
    [new Error('Query read timeout'), 'no answer from the database: timed out after 2500 ms'],
    [new Error('timeout exceeded when trying to connect'), 'connecting to the database timed out after 1500 ms'],
    [new Error('Connection terminated due to connection timeout'), 'connecting to the database timed out after 1500 ms'],
    [pgError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'), 'connection refused (ECONNREFUSED)'],
    [new AggregateError([pgError('ECONNREFUSED', 'connect ECONNREFUSED ::1:5432')], ''), 'connection refused (ECONNREFUSED)'],
    [pgError('57P01', 'terminating connection due to administrator command'), 'PostgreSQL is shutting down (admin shutdown) (57P01)'],
    [pgError('57P03', 'the database system is starting up'), 'PostgreSQL is not accepting connections yet (57P03)'],
    [new Error('Connection terminated unexpectedly'), 'the database connection was closed (Connection terminated unexpectedly)'],
  ])('names the outage in %s', (error, cause) => {
    expect(databaseOutageCause(error, timeouts)).toBe(cause);
  });

  it('looks through TypeORM’s QueryFailedError to the driver’s error', () => {
    const wrapped = new QueryFailedError('SELECT 1', [], pgError('57P01', 'terminating connection due to administrator command'));
    expect(databaseOutageCause(wrapped, timeouts)).toBe('PostgreSQL is shutting down (admin shutdown) (57P01)');
  });

  it.each([
    [pgError('23505', 'duplicate key value violates unique constraint'), 'a unique violation'],
    [pgError('57014', 'canceling statement due to user request'), 'a cancelled statement'],
    [new TypeError('x is undefined'), 'a bug'],
    [
      new Error('the token request failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) }),
      'an IdP that refused',
    ],
    [undefined, 'nothing'],
  ])('says nothing of %s (%s)', (error, _kind) => {
    expect(databaseOutageCause(error, timeouts)).toBeUndefined();
  });
});

describe(isUniqueViolation.name, () => {
  it('recognises a unique violation, of a named constraint when asked', () => {
    const error = Object.assign(pgError('23505', 'duplicate'), { constraint: 'users__email__unique' });
    expect(isUniqueViolation(error)).toBe(true);
    expect(isUniqueViolation(error, 'users__email__unique')).toBe(true);
    expect(isUniqueViolation(error, 'other')).toBe(false);
  });
});

describe(isForeignKeyViolation.name, () => {
  const violation = () => Object.assign(pgError('23503', 'violates foreign key constraint'), { constraint: 'FK_sessions' });

  it('recognises a foreign-key violation, of a named constraint when asked, also inside TypeORM’s QueryFailedError', () => {
    expect(isForeignKeyViolation(violation())).toBe(true);
    expect(isForeignKeyViolation(violation(), 'FK_sessions')).toBe(true);
    expect(isForeignKeyViolation(violation(), 'other')).toBe(false);
    expect(isForeignKeyViolation(new QueryFailedError('UPDATE oidc_models', [], violation()))).toBe(true);
  });

  it.each([
    [pgError('23505', 'duplicate key value violates unique constraint')],
    [pgError('57P01', 'terminating connection due to administrator command')],
    [new TypeError('x is undefined')],
    [undefined],
  ])('is not %s', (error) => {
    expect(isForeignKeyViolation(error)).toBe(false);
  });
});
