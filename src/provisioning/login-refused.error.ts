/** Why the login decision refused someone; the values are the contract's callback codes. */
export enum LoginRefusalCode {
  DOMAIN_NOT_ALLOWED = 'domain_not_allowed',
  EMAIL_NOT_VERIFIED = 'email_not_verified',
  USER_NOT_INVITED = 'user_not_invited',
  EMAIL_IN_USE = 'email_in_use',
}

/** A login the decision refused: the code for the person, the detail for the log. */
export class LoginRefusedError extends Error {
  constructor(
    readonly code: LoginRefusalCode,
    readonly detail: string,
  ) {
    super(`${code}: ${detail}`);
    this.name = 'LoginRefusedError';
  }
}
