import { AlgorithmRefusal } from '../connections/token-security';
import type { IdpTransportFailure } from '../connections/idp-http';

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
  EMAIL_IN_USE = 'email_in_use',
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
      return {
        status: 400,
        title: 'This sign-in link has expired or was already used',
        advice: 'Start signing in again from the application.',
      };
    case SsoErrorCode.IDP_ERROR:
      return { status: 400, title: 'Your identity provider reported a problem', advice: 'Try again; if it persists, tell your IT admin.' };
    case SsoErrorCode.TOKEN_EXCHANGE_FAILED:
      // 4xx as the contract asks of every callback failure; 424: the sign-in depended on the IdP's answer.
      return {
        status: 424,
        title: 'Your identity provider did not complete the sign-in',
        advice:
          'Tell your IT admin: the identity provider refused this application’s token request, so the SSO connection and the application registered at the IdP do not match.',
      };
    case SsoErrorCode.INVALID_ID_TOKEN:
      return {
        status: 401,
        title: 'The sign-in could not be verified',
        advice: 'Tell your IT admin: the identity provider sent a token this service could not verify.',
      };
    case SsoErrorCode.EMAIL_MISSING:
      return {
        status: 403,
        title: 'Your identity provider did not share your email address',
        advice: 'Tell your IT admin to release the email claim to this application.',
      };
    case SsoErrorCode.EMAIL_NOT_VERIFIED:
      return {
        status: 403,
        title: 'Your email address is not verified',
        advice: 'Verify your email address with your identity provider, or ask your IT admin.',
      };
    case SsoErrorCode.DOMAIN_NOT_ALLOWED:
      return {
        status: 403,
        title: 'Your email domain is not allowed for this organization',
        advice: 'Sign in with your work account, or ask your IT admin to add your domain.',
      };
    case SsoErrorCode.USER_NOT_INVITED:
      return { status: 403, title: 'You have not been invited to this organization', advice: 'Ask your IT admin for an invitation.' };
    case SsoErrorCode.CONNECTION_INACTIVE:
      return { status: 403, title: 'Single sign-on is switched off for this organization', advice: 'Tell your IT admin.' };
    case SsoErrorCode.UNKNOWN_CONNECTION:
      return {
        status: 404,
        title: 'This single sign-on link is not known',
        advice: 'Check the link, or start from the application’s sign-in page.',
      };
    case SsoErrorCode.INVALID_REQUEST:
      return { status: 400, title: 'The sign-in request is not valid', advice: 'Start signing in again from the application.' };
    case SsoErrorCode.NO_SSO_FOR_DOMAIN:
      return {
        status: 404,
        title: 'No single sign-on is set up for your email domain',
        advice: 'Sign in another way, or ask your IT admin.',
      };
    case SsoErrorCode.EMAIL_IN_USE:
      // 409: the sign-in conflicts with another account; nothing was merged or changed.
      return {
        status: 409,
        title: 'Your identity provider changed your email to one another account here already uses',
        advice: 'Nothing was changed. Tell your IT admin: two people (or two accounts) now share this email at your identity provider.',
      };
    default: {
      const unhandled: never = code;
      throw new Error(`unexplained SSO error ${String(unhandled)}`);
    }
  }
}

/**
 * What the service found out about a failure beyond its public code, when it can name the exact
 * mismatch between the connection and the IdP's client registration.
 */
export type SsoDiagnosis =
  | {
      kind: 'client_authentication_refused';
      /** The token endpoint's OAuth error: invalid_client or unauthorized_client. */
      oauthError: string;
      used: string;
      /** The IdP's token_endpoint_auth_methods_supported; null when it announces none. */
      announced: readonly string[] | null;
      /** The method came from the connection's override rather than the IdP's announcement. */
      overridden: boolean;
    }
  | { kind: 'client_secret_expired'; expiredOn: string }
  | {
      kind: 'id_token_algorithm_refused';
      alg: string;
      refusal: AlgorithmRefusal;
      announced: readonly string[] | null;
      accepted: readonly string[];
    };

const list = (values: readonly string[] | null) =>
  values === null ? 'nothing (no discovery document, or the list is absent)' : values.length ? values.join(', ') : 'nothing';

/** What the IT admin should change, for each diagnosis: the one place these words live. */
export function advise(diagnosis: SsoDiagnosis): string {
  switch (diagnosis.kind) {
    case 'client_authentication_refused': {
      const others = ['client_secret_basic', 'client_secret_post', 'private_key_jwt'].filter((method) => method !== diagnosis.used);
      const basicNote =
        diagnosis.used === 'client_secret_basic'
          ? ' With client_secret_basic the client id and secret are form-encoded before Base64 (RFC 6749 §2.3.1, so "-" is sent as "%2D"); an IdP that does not decode them refuses a correct secret: choose CLIENT_SECRET_POST for it.'
          : '';
      return (
        `The IdP's token endpoint refused the client (${diagnosis.oauthError}) authenticated with ${diagnosis.used}` +
        `${diagnosis.overridden ? ' (the connection’s tokenEndpointAuthMethod)' : ''}; the IdP announces ${list(diagnosis.announced)}. ` +
        `Check the client id and secret, and that the application at the IdP is registered for ${diagnosis.used}, ` +
        `or set the connection's tokenEndpointAuthMethod to the method it is registered for (${others.join(' or ')}).${basicNote}`
      );
    }
    case 'client_secret_expired':
      return `The connection's client secret has probably expired (on ${diagnosis.expiredOn}); an admin must enter a new one.`;
    case 'id_token_algorithm_refused': {
      const accepted = `This connection accepts ${diagnosis.accepted.length ? diagnosis.accepted.join(', ') : 'no algorithm the IdP announces'}.`;
      switch (diagnosis.refusal) {
        case AlgorithmRefusal.NEVER_ACCEPTED:
          return `The IdP signed the ID token with ${diagnosis.alg}, which is never accepted. ${accepted} Set the application's ID token signing algorithm at the IdP to RS256 (or another of those).`;
        case AlgorithmRefusal.SYMMETRIC_NOT_ALLOWED:
          return (
            `The IdP signed the ID token with ${diagnosis.alg}, a signature made with the client secret, which the connection does not accept. ${accepted} ` +
            `Set the application's ID token signing algorithm at the IdP to RS256 (recommended), or set allowSymmetricIdTokenSignature on the connection.`
          );
        case AlgorithmRefusal.NOT_ANNOUNCED:
          return (
            `The IdP signed the ID token with ${diagnosis.alg}, but announces ${list(diagnosis.announced)} in id_token_signing_alg_values_supported. ${accepted} ` +
            `Set the application's ID token signing algorithm at the IdP to one it announces; if the IdP's configuration changed, save the connection's discovery URL again.`
          );
        default: {
          const unhandled: never = diagnosis.refusal;
          throw new Error(`unexplained algorithm refusal ${String(unhandled)}`);
        }
      }
    }
    default: {
      const unhandled: never = diagnosis;
      throw new Error(`unexplained SSO diagnosis ${JSON.stringify(unhandled)}`);
    }
  }
}

/**
 * What the page says when the IdP could not be talked to at all (the token request timed out,
 * was refused or found no way there): in place of explain()'s words, which suspect the
 * credentials, since the credentials were never looked at.
 */
export function explainTransportFailure(failure: IdpTransportFailure): Pick<Explanation, 'title' | 'advice'> {
  switch (failure.kind) {
    case 'timeout':
      return {
        title: 'Your identity provider did not answer in time',
        advice: `It gave no answer within ${Math.round(failure.afterMs / 100) / 10} seconds. Try again in a moment; if it persists, tell your IT admin.`,
      };
    case 'refused':
      return {
        title: 'Your identity provider could not be reached',
        advice:
          'Its server refused the connection. Try again in a moment; if it persists, tell your IT admin: the identity provider may be down, or the connection’s token URL wrong.',
      };
    case 'unreachable':
      return {
        title: 'Your identity provider could not be reached',
        advice: `The network did not get through (${failure.code}). Try again in a moment; if it persists, tell your IT admin.`,
      };
    default: {
      const unhandled: never = failure;
      throw new Error(`unexplained transport failure ${JSON.stringify(unhandled)}`);
    }
  }
}

/**
 * A failed sign-in: a public code for the person, an internal detail for the log, and
 * optionally a diagnosis whose advice is safe to show beside the code (what the IT admin
 * should change).
 */
export class SsoLoginError extends Error {
  readonly diagnosis?: SsoDiagnosis;
  /** Set when the failed login was started for a continuation (see LoginState): it goes on there. */
  continuation?: string;
  /** Set when the IdP could not be talked to: the page then names that, not the credentials. */
  readonly transport?: IdpTransportFailure;

  constructor(
    readonly code: SsoErrorCode,
    readonly detail: string,
    options?: { cause?: unknown; diagnosis?: SsoDiagnosis; transport?: IdpTransportFailure },
  ) {
    super(`${code}: ${detail}`, { cause: options?.cause });
    this.name = 'SsoLoginError';
    this.diagnosis = options?.diagnosis;
    this.transport = options?.transport;
  }

  /** The advice for the IT admin, when the service knows more than the code says. */
  get hint(): string | undefined {
    return this.diagnosis ? advise(this.diagnosis) : undefined;
  }
}

/**
 * A login's failure as login activity records it: the code the person was shown, and for an
 * unexpected error none of its message (it may carry internals).
 */
export function refusalOf(error: unknown): { code: SsoErrorCode; detail: string } {
  return error instanceof SsoLoginError
    ? { code: error.code, detail: error.detail }
    : { code: SsoErrorCode.IDP_ERROR, detail: 'unexpected error; see the service log' };
}
