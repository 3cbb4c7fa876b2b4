/** Why a magic link was refused, each with what a person is told. */
export enum MagicLinkErrorCode {
  INVALID = 'magic_link_invalid',
  EXPIRED = 'magic_link_expired',
  USED = 'magic_link_used',
  /** The sign-in was not confirmed from the page the link opened in this browser (login CSRF). */
  NOT_CONFIRMED = 'magic_link_not_confirmed',
  NOT_A_MEMBER = 'not_a_member',
  SSO_REQUIRED = 'sso_required',
}

interface Explanation {
  status: number;
  title: string;
  advice: string;
}

/** What the error page says for each code: the one place these words live. */
export function explainMagicLinkError(code: MagicLinkErrorCode): Explanation {
  switch (code) {
    case MagicLinkErrorCode.INVALID:
      return { status: 400, title: 'This sign-in link is not valid', advice: 'Use the whole link from the email, or ask for a new one.' };
    case MagicLinkErrorCode.EXPIRED:
      return { status: 410, title: 'This sign-in link has expired', advice: 'Links work for 15 minutes. Ask for a new one.' };
    case MagicLinkErrorCode.USED:
      return { status: 410, title: 'This sign-in link was already used', advice: 'Each link works once. Ask for a new one.' };
    case MagicLinkErrorCode.NOT_CONFIRMED:
      return {
        status: 403,
        title: 'This sign-in was not confirmed in this browser',
        advice: 'Open the link from your email in this browser and press the sign-in button on the page it shows.',
      };
    case MagicLinkErrorCode.NOT_A_MEMBER:
      return { status: 403, title: 'You are no longer a member of this organization', advice: 'Ask your IT admin for an invitation.' };
    case MagicLinkErrorCode.SSO_REQUIRED:
      return {
        status: 403,
        title: 'Your organization requires single sign-on',
        advice: 'Sign in through your organization’s identity provider.',
      };
    default: {
      const unhandled: never = code;
      throw new Error(`unexplained magic-link error ${String(unhandled)}`);
    }
  }
}

/** A refused magic-link request or verification: a public code, an internal detail for the log. */
export class MagicLinkError extends Error {
  constructor(
    readonly code: MagicLinkErrorCode,
    readonly detail: string,
    /** For SSO_REQUIRED: where the organization's SSO sign-in starts. */
    readonly ssoUrl?: string,
  ) {
    super(`${code}: ${detail}`);
    this.name = 'MagicLinkError';
  }
}
