/**
 * Errors the service raises on purpose. Each carries a public message (safe to show a
 * client) apart from its internal cause (for the log). One filter maps kinds to GraphQL
 * codes and HTTP statuses (see app-exception.filter.ts).
 */
export type ErrorKind = 'bad_input' | 'not_found' | 'forbidden' | 'unauthenticated' | 'conflict' | 'rate_limited' | 'unavailable';

export abstract class AppError extends Error {
  abstract readonly kind: ErrorKind;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Input that breaks a rule; `field` names the input field at fault. */
export class BadInputError extends AppError {
  readonly kind = 'bad_input';

  constructor(
    readonly field: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${field}: ${message}`, options);
  }
}

/** Not found, or not the caller's to see: the two are never told apart. */
export class NotFoundError extends AppError {
  readonly kind = 'not_found';

  constructor(entity: string) {
    super(`${entity} not found`);
  }
}

export class ForbiddenError extends AppError {
  readonly kind = 'forbidden';
}

export class UnauthenticatedError extends AppError {
  readonly kind = 'unauthenticated';
}

export class RateLimitedError extends AppError {
  readonly kind = 'rate_limited';

  constructor(readonly retryAfterSeconds: number) {
    super('Too many requests; try again later');
  }
}

/** How long a client is told to wait before retrying while the database is unavailable. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

/**
 * The database cannot serve now (down, restarting, unreachable, too slow): nothing the client did
 * wrong, and worth retrying shortly. `reason` is for the log; the client is told only that the
 * service is briefly unavailable, and `message` may add what was not done (a logout).
 */
export class DatabaseUnavailableError extends AppError {
  readonly kind = 'unavailable';
  readonly retryAfterSeconds = UNAVAILABLE_RETRY_AFTER_SECONDS;

  constructor(
    readonly reason: string,
    options?: { cause?: unknown; message?: string },
  ) {
    super(options?.message ?? 'The service is briefly unavailable; try again in a few seconds', { cause: options?.cause });
  }
}
