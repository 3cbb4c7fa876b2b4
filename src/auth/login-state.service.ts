import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, Repository } from 'typeorm';
import { createHash, randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import { LoginState } from './entities/login-state.entity';
import { SecretsCipher } from '../common/secrets-cipher';
import { SsoErrorCode, SsoLoginError } from './sso-login.error';
import { PreparedStatement } from '../database/prepared-statement';

const LOGIN_STATE_TTL_MS = 10 * 60 * 1000;
export const BINDING_COOKIE_PREFIX = 'sso_login_';
const PURGE_INTERVAL_MS = 60_000;

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

export interface StartedLogin {
  state: string;
  nonce: string;
  codeVerifier: string;
  /** One cookie per login, so logins in parallel tabs do not clobber one another. */
  bindingCookieName: string;
  bindingCookieValue: string;
  maxAgeMs: number;
}

export interface ConsumedLogin {
  connectionId: string;
  nonce: string;
  codeVerifier: string;
  returnTo: string;
  /** The admin's test sign-in this login reports to; null for a real login. */
  connectionTestId: string | null;
  /** Where the callback continues (success or refusal) instead of the return target; see LoginState. */
  continuation: string | null;
}

export interface LoginPurpose {
  returnTo: string;
  connectionTestId?: string | null;
  continuation?: string | null;
}

/** A new login's state: one row per initiate, every login's first statement after the rate limit. */
const START_LOGIN_STATE = new PreparedStatement<never>(
  `INSERT INTO login_states (state_hash, connection_id, browser_binding_hash, nonce, code_verifier_encrypted, return_to, connection_test_id, continuation, expires_at)
   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
);

/** Takes a login state out of the store for the browser that began it (see `consume`): once per sign-in, prepared once per connection. */
const CONSUME_LOGIN_STATE = new PreparedStatement<Record<string, string>>(
  `DELETE FROM login_states WHERE state_hash = $1 AND connection_id = $2 AND browser_binding_hash = $3 AND expires_at > now()
   RETURNING nonce, code_verifier_encrypted, return_to, connection_test_id, continuation`,
);

/**
 * Logins in flight, in PostgreSQL so any instance can finish them, single use, and bound to
 * the browser that began them by a cookie (RFC 9700 §4.7: a callback opened in another
 * browser, e.g. a login-CSRF link, fails).
 */
@Injectable()
export class LoginStateService {
  private lastPurgeAt = 0;

  constructor(
    @InjectRepository(LoginState) private readonly states: Repository<LoginState>,
    private readonly cipher: SecretsCipher,
  ) {}

  static bindingCookieName(state: string): string {
    return BINDING_COOKIE_PREFIX + sha256(state).slice(0, 16);
  }

  async start(connectionId: string, { returnTo, connectionTestId = null, continuation = null }: LoginPurpose): Promise<StartedLogin> {
    this.purgeExpiredNow();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const binding = randomBytes(32).toString('base64url');
    await START_LOGIN_STATE.rows(this.states.manager.connection, [
      sha256(state),
      connectionId,
      sha256(binding),
      nonce,
      this.cipher.seal(codeVerifier),
      returnTo,
      connectionTestId,
      continuation,
      new Date(Date.now() + LOGIN_STATE_TTL_MS),
    ]);
    return {
      state,
      nonce,
      codeVerifier,
      bindingCookieName: LoginStateService.bindingCookieName(state),
      bindingCookieValue: binding,
      maxAgeMs: LOGIN_STATE_TTL_MS,
    };
  }

  /**
   * Takes the login out of the store (so it serves once), but only for the browser that began
   * it: the state, the connection and the binding cookie are all in the DELETE, so a callback
   * URL replayed elsewhere (without the cookie) is refused and leaves the login for its owner.
   */
  async consume(connectionId: string, state: string | undefined, binding: string | undefined): Promise<ConsumedLogin> {
    if (!state || state.length > 200) throw new SsoLoginError(SsoErrorCode.INVALID_STATE, 'no state in the callback');
    if (!binding || binding.length > 200)
      throw new SsoLoginError(SsoErrorCode.INVALID_STATE, 'the callback reached a browser that did not start this login');
    const deleted = await CONSUME_LOGIN_STATE.rows(this.states.manager.connection, [sha256(state), connectionId, sha256(binding)]);
    const row = deleted[0];
    if (!row) throw new SsoLoginError(SsoErrorCode.INVALID_STATE, await this.whyNotConsumed(sha256(state), connectionId));
    return {
      connectionId,
      nonce: row.nonce,
      codeVerifier: this.cipher.open(row.code_verifier_encrypted),
      returnTo: row.return_to,
      connectionTestId: row.connection_test_id,
      continuation: row.continuation,
    };
  }

  /** For the log: why a state was not taken (the person is told invalid_state either way). */
  private async whyNotConsumed(stateHash: string, connectionId: string): Promise<string> {
    const stored = await this.states.findOneBy({ stateHash });
    if (!stored) return 'unknown or already used state';
    if (stored.connectionId !== connectionId) return 'state of another connection';
    if (stored.expiresAt.getTime() <= Date.now()) return 'the login expired';
    return 'the callback reached a browser that did not start this login';
  }

  /** Logins abandoned at the IdP leave rows behind; sweep them at most once a minute. */
  private purgeExpiredNow(): void {
    if (Date.now() - this.lastPurgeAt < PURGE_INTERVAL_MS) return;
    this.lastPurgeAt = Date.now();
    void this.states.delete({ expiresAt: LessThan(new Date()) }).catch(() => undefined);
  }
}
