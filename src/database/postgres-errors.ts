import type { DatabaseTimeouts } from './data-source-options';
import { clientQueryTimeoutMs } from './data-source-options';

/** A PostgreSQL unique-constraint violation, optionally of the named constraint or index. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  return isViolation('23505', error, constraint);
}

/**
 * A PostgreSQL foreign-key violation, optionally of the named constraint: a row written naming
 * one that is gone, as when it was deleted while the writer was at work.
 */
export function isForeignKeyViolation(error: unknown, constraint?: string): boolean {
  return isViolation('23503', error, constraint);
}

/** pg's error, or the one TypeORM wraps in its driverError, of this SQLSTATE (and constraint). */
function isViolation(sqlState: string, error: unknown, constraint: string | undefined): boolean {
  const driverError =
    (error as { driverError?: { code?: string; constraint?: string } })?.driverError ?? (error as { code?: string; constraint?: string });
  return driverError?.code === sqlState && (constraint === undefined || driverError.constraint === constraint);
}

/** SQLSTATEs that say PostgreSQL cannot serve now, not that the statement was wrong. */
const UNAVAILABLE_SQLSTATES: Record<string, string> = {
  '57P01': 'PostgreSQL is shutting down (admin shutdown)',
  '57P02': 'PostgreSQL is shutting down (crash shutdown)',
  '57P03': 'PostgreSQL is not accepting connections yet',
  '53300': 'PostgreSQL has no free connection slot',
  '08000': 'the database connection failed',
  '08001': 'the database connection could not be established',
  '08003': 'the database connection does not exist',
  '08004': 'PostgreSQL rejected the connection',
  '08006': 'the database connection failed',
};

/** Socket errors of a database that cannot be reached. */
const UNREACHABLE_SOCKET_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
};

interface ErrorLike {
  code?: unknown;
  message?: unknown;
  driverError?: unknown;
  errors?: unknown;
}

/**
 * The error and what the database layers wrap in it: TypeORM's driverError, an AggregateError's
 * first error (a host with several addresses). Never `cause`: an error that merely mentions a
 * refused connection elsewhere (an IdP's) is not a database outage.
 */
function* chainOf(error: unknown): Generator<ErrorLike> {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    const each = current as ErrorLike;
    yield each;
    current = each.driverError ?? (Array.isArray(each.errors) ? each.errors[0] : undefined);
  }
}

/**
 * Why the error means "the database is unavailable" (down, restarting, unreachable, too slow),
 * in words fit for a log line, or undefined for any other error (a bug, a constraint, bad SQL).
 * The one place pg's and TypeORM's ways of saying so are recognised.
 */
export function databaseOutageCause(error: unknown, timeouts: DatabaseTimeouts): string | undefined {
  for (const each of chainOf(error)) {
    const code = typeof each.code === 'string' ? each.code : undefined;
    const message = typeof each.message === 'string' ? each.message : '';
    if (code === '57014' && /statement timeout/i.test(message)) return `a statement timed out after ${timeouts.statementTimeoutMs} ms`;
    if (code && UNAVAILABLE_SQLSTATES[code]) return `${UNAVAILABLE_SQLSTATES[code]} (${code})`;
    if (code && UNREACHABLE_SOCKET_ERRORS[code]) return `${UNREACHABLE_SOCKET_ERRORS[code]} (${code})`;
    if (message === 'Query read timeout') return `no answer from the database: timed out after ${clientQueryTimeoutMs(timeouts)} ms`;
    if (/timeout exceeded when trying to connect|connection timeout|^timeout expired$/i.test(message)) {
      return `connecting to the database timed out after ${timeouts.statementTimeoutMs} ms`;
    }
    if (/Connection terminated|not queryable|Connection ended|the database system is (starting up|shutting down)/i.test(message)) {
      return `the database connection was closed (${message})`;
    }
  }
  return undefined;
}
