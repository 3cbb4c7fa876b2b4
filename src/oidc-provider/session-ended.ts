/** The OAuth errors oidc-provider answers with when a grant or a session is gone. */
export type SessionEndedError = 'invalid_grant' | 'login_required';

/**
 * How the provider answers a request whose grant, code or token could not be stored because the
 * service session ended meanwhile (a logout racing it; ServiceSessionEndedError): at the token
 * endpoint as oidc-provider answers for a grant that is gone (invalid_grant), elsewhere (the
 * authorization request and its resumption) as for a session that is gone (login_required, back
 * to the app). Never a server error: nothing went wrong but the timing.
 */
export function sessionEndedErrorAt(route: string | undefined): SessionEndedError {
  return route === 'token' ? 'invalid_grant' : 'login_required';
}
