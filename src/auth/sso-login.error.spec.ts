import { describe, expect, it } from '@jest/globals';
import { advise, explain, explainTransportFailure, refusalOf, SsoErrorCode, SsoLoginError } from './sso-login.error';
import { AlgorithmRefusal } from '../connections/token-security';

describe(advise.name, () => {
  it('names the client authentication used and announced, and the override', () => {
    const advice = advise({
      kind: 'client_authentication_refused',
      oauthError: 'invalid_client',
      used: 'client_secret_basic',
      announced: ['client_secret_post'],
      overridden: true,
    });
    expect(advice).toContain('authenticated with client_secret_basic (the connection’s tokenEndpointAuthMethod)');
    expect(advice).toContain('the IdP announces client_secret_post.');
    expect(advice).toContain('(client_secret_post or private_key_jwt)');
    expect(advice).toContain('"%2D"');
  });

  it('leaves the Basic encoding note out for other methods and says when nothing is announced', () => {
    const advice = advise({
      kind: 'client_authentication_refused',
      oauthError: 'unauthorized_client',
      used: 'client_secret_post',
      announced: null,
      overridden: false,
    });
    expect(advice).not.toContain('%2D');
    expect(advice).toContain('announces nothing (no discovery document, or the list is absent)');
  });

  it.each([
    [AlgorithmRefusal.NEVER_ACCEPTED, 'none', /signed the ID token with none, which is never accepted/],
    [AlgorithmRefusal.SYMMETRIC_NOT_ALLOWED, 'HS256', /allowSymmetricIdTokenSignature/],
    [AlgorithmRefusal.NOT_ANNOUNCED, 'ES512', /but announces RS256 in id_token_signing_alg_values_supported/],
  ])('explains a %s algorithm', (refusal, alg, expected) => {
    expect(advise({ kind: 'id_token_algorithm_refused', alg, refusal, announced: ['RS256'], accepted: ['RS256'] })).toMatch(expected);
  });

  it('is the error’s hint, apart from its detail', () => {
    const error = new SsoLoginError(SsoErrorCode.TOKEN_EXCHANGE_FAILED, 'internal detail', {
      diagnosis: { kind: 'client_secret_expired', expiredOn: '2026-01-01' },
    });
    expect(error.hint).toContain('expired (on 2026-01-01)');
    expect(error.detail).toBe('internal detail');
    expect(new SsoLoginError(SsoErrorCode.IDP_ERROR, 'x').hint).toBeUndefined();
  });
});

describe(explainTransportFailure.name, () => {
  it('names a timeout with its bound, not the credentials', () => {
    const words = explainTransportFailure({ kind: 'timeout', afterMs: 5000 });
    expect(words.title).toBe('Your identity provider did not answer in time');
    expect(words.advice).toContain('within 5 seconds');
    expect(words.advice).not.toMatch(/credential/);
  });

  it('names a refused connection and an unreachable host apart', () => {
    expect(explainTransportFailure({ kind: 'refused' }).advice).toContain('refused the connection');
    expect(explainTransportFailure({ kind: 'unreachable', code: 'EHOSTUNREACH' }).advice).toContain('EHOSTUNREACH');
  });

  it('leaves the status to the code (token_exchange_failed stays a 4xx)', () => {
    expect(explain(SsoErrorCode.TOKEN_EXCHANGE_FAILED).status).toBe(424);
  });
});

describe(refusalOf.name, () => {
  it('keeps a login error’s code and detail', () => {
    expect(refusalOf(new SsoLoginError(SsoErrorCode.EMAIL_NOT_VERIFIED, 'email_verified is absent'))).toEqual({
      code: 'email_not_verified',
      detail: 'email_verified is absent',
    });
  });

  it('records an unexpected error as idp_error, the code the person was shown, without its message', () => {
    const refusal = refusalOf(new Error('secret-bearing internal message'));
    expect(refusal.code).toBe('idp_error');
    expect(JSON.stringify(refusal)).not.toContain('secret-bearing');
  });
});
