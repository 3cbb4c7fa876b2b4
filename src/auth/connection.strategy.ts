import passport from 'passport';
import type { Request, Response } from 'express';

/**
 * A Passport strategy for one connection, built per request and never registered globally:
 * each tenant's logins run on their own instance, so two tenants cannot race on a shared
 * strategy name (the flaw of registering `passport.use(name, …)` per request).
 */
export class ConnectionStrategy<TUser> extends passport.Strategy {
  override name: string;

  constructor(
    connectionId: string,
    private readonly verify: (request: Request) => Promise<TUser>,
  ) {
    super();
    this.name = `sso:${connectionId}`;
  }

  override authenticate(this: passport.StrategyCreated<this> & ConnectionStrategy<TUser>, request: Request): void {
    this.verify(request).then(
      (user) => this.success(user as Express.User),
      (error: unknown) => this.error(error),
    );
  }
}

/** Runs a strategy through Passport without sessions and resolves with the user it verified. */
export function authenticate<TUser>(strategy: ConnectionStrategy<TUser>, request: Request, response: Response): Promise<TUser> {
  return new Promise((resolve, reject) => {
    passport.authenticate(strategy, { session: false }, (error: unknown, user: TUser | false) => {
      // Passed on as it is: the error is classified later (an outage, an SSO refusal).
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      if (error) reject(error);
      else if (!user) reject(new Error('the strategy verified no user'));
      else resolve(user);
    })(request, response, reject);
  });
}
