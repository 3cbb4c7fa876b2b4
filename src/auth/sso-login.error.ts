/** The contract's callback error codes, each with what a person is told. */
export enum SsoErrorCode {
  INVALID_STATE = 'invalid_state',
  IDP_ERROR = 'idp_error',
  TOKEN_EXCHANGE_FAILED = 'token_exchange_failed',
  INVALID_ID_TOKEN = 'invalid_id_token',
  EMAIL_MISSING = 'email_missing',
  EMAIL_NOT_VERIFIED = 'email_not_verified',
  DOMAIN_NOT_ALLOWED = 'domain_not_allowed',
  USER_NOT_INVITED = 'user_not_invited',
  CONNECTION_INACTIVE = 'connection_inactive',
  UNKNOWN_CONNECTION = 'unknown_connection',
  INVALID_REQUEST = 'invalid_request',
  NO_SSO_FOR_DOMAIN = 'no_sso_for_domain',
}

interface Explanation {
  status: number;
  title: string;
  advice: string;
}

/** What the error page says for each code: the one place these words live. */
export function explain(code: SsoErrorCode): Explanation {
  switch (code) {
    case SsoErrorCode.INVALID_STATE:
      return { status: 400, title: 'This sign-in link has expired or was already used', advice: 'Start signing in again from the application.' };
    case SsoErrorCode.IDP_ERROR:
      return { status: 400, title: 'Your identity provider reported a problem', advice: 'Try again; if it persists, tell your IT admin.' };
    case SsoErrorCode.TOKEN_EXCHANGE_FAILED:
      // 4xx as the contract asks of every callback failure; 424: the sign-in depended on the IdP's answer.
      return { status: 424, title: 'Your identity provider did not complete the sign-in', advice: 'Tell your IT admin: the SSO connection’s client credentials may be wrong or expired.' };
    case SsoErrorCode.INVALID_ID_TOKEN:
      return { status: 401, title: 'The sign-in could not be verified', advice: 'Tell your IT admin: the identity provider sent a token that failed verification.' };
    case SsoErrorCode.EMAIL_MISSING:
      return { status: 403, title: 'Your identity provider did not share your email address', advice: 'Tell your IT admin to release the email claim to this application.' };
    case SsoErrorCode.EMAIL_NOT_VERIFIED:
      return { status: 403, title: 'Your email address is not verified', advice: 'Verify your email address with your identity provider, or ask your IT admin.' };
    case SsoErrorCode.DOMAIN_NOT_ALLOWED:
      return { status: 403, title: 'Your email domain is not allowed for this organization', advice: 'Sign in with your work account, or ask your IT admin to add your domain.' };
    case SsoErrorCode.USER_NOT_INVITED:
      return { status: 403, title: 'You have not been invited to this organization', advice: 'Ask your IT admin for an invitation.' };
    case SsoErrorCode.CONNECTION_INACTIVE:
      return { status: 403, title: 'Single sign-on is switched off for this organization', advice: 'Tell your IT admin.' };
    case SsoErrorCode.UNKNOWN_CONNECTION:
      return { status: 404, title: 'This single sign-on link is not known', advice: 'Check the link, or start from the application’s sign-in page.' };
    case SsoErrorCode.INVALID_REQUEST:
      return { status: 400, title: 'The sign-in request is not valid', advice: 'Start signing in again from the application.' };
    case SsoErrorCode.NO_SSO_FOR_DOMAIN:
      return { status: 404, title: 'No single sign-on is set up for your email domain', advice: 'Sign in another way, or ask your IT admin.' };
    default: {
      const unhandled: never = code;
      throw new Error(`unexplained SSO error ${String(unhandled)}`);
    }
  }
}

/**
 * A failed sign-in: a public code for the person, an internal detail for the log, and
 * optionally a hint safe to show beside the code (what the IT admin should look at).
 */
export class SsoLoginError extends Error {
  readonly hint?: string;

  constructor(
    readonly code: SsoErrorCode,
    readonly detail: string,
    options?: { cause?: unknown; hint?: string },
  ) {
    super(`${code}: ${detail}`, { cause: options?.cause });
    this.name = 'SsoLoginError';
    this.hint = options?.hint;
  }
}
