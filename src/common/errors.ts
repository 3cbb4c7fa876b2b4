/**
 * Errors the service raises on purpose. Each carries a public message (safe to show a
 * client) apart from its internal cause (for the log). One filter maps kinds to GraphQL
 * codes and HTTP statuses (see app-exception.filter.ts).
 */
export type ErrorKind = 'bad_input' | 'not_found' | 'forbidden' | 'unauthenticated' | 'conflict' | 'rate_limited';

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
