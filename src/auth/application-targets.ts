/**
 * Return targets that belong to another part of the service: the OpenID Provider's applications,
 * whose IdP-initiated logins must end at the app's own login (OpenID Connect Core §4). Declared
 * here and provided from outside, so that the login flow imports nothing above it.
 */
export const APPLICATION_TARGETS = Symbol('APPLICATION_TARGETS');

export interface ApplicationTargets {
  /**
   * Where the browser goes after a login whose requested target is `target`: the initiate login
   * URI of the application the target belongs to; undefined when it belongs to none.
   */
  initiateLoginFor(target: string): Promise<string | undefined>;
}
