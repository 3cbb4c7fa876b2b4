import { describe, expect, it } from '@jest/globals';
import { limitedEndpointOf, tokenRefusal } from './oidc-rate-limits';

describe(limitedEndpointOf.name, () => {
  it.each([
    ['POST', '/token', 'token'],
    ['GET', '/auth', 'authorization'],
    ['POST', '/auth', 'authorization'],
    ['GET', '/auth/Xa1b2', 'authorization'],
    ['GET', '/interaction/Xa1b2', 'interaction'],
    ['POST', '/interaction/Xa1b2/email', 'interaction'],
    ['GET', '/interaction/Xa1b2/continue', 'interaction'],
    // oidc-provider's router serves these as the limited endpoints: letters in any case, a trailing slash.
    ['POST', '/TOKEN', 'token'],
    ['POST', '/token/', 'token'],
    ['POST', '/ToKeN//', 'token'],
    ['GET', '/Auth', 'authorization'],
    ['HEAD', '/auth', 'authorization'],
    ['GET', '/AUTH/', 'authorization'],
    ['GET', '/Auth/Xa1b2/', 'authorization'],
    ['GET', '/INTERACTION/Xa1b2', 'interaction'],
    ['POST', '/Interaction/Xa1b2/email/', 'interaction'],
  ] as const)('%s %s counts against the %s limit', (method, path, endpoint) => {
    expect(limitedEndpointOf(method, path)).toBe(endpoint);
  });

  it.each([
    ['GET', '/token'],
    ['POST', '/token/revocation'],
    ['GET', '/me'],
    ['GET', '/jwks'],
    ['GET', '/.well-known/openid-configuration'],
    ['GET', '/session/end'],
    ['GET', '/authority'],
    ['GET', '/TOKEN/'],
    ['POST', '/Token/Revocation'],
    ['POST', '/tokens'],
    ['GET', '/'],
    ['GET', ''],
    ['GET', '/interaction'],
    // Not the token endpoint to oidc-provider's router either: it decodes nothing and ignores one slash at the end only.
    ['POST', '//token'],
    ['POST', '/%74oken'],
  ])('%s %s has no per-IP limit of its own', (method, path) => {
    expect(limitedEndpointOf(method, path)).toBeUndefined();
  });

  it('answers at once for a path of many slashes', () => {
    const started = performance.now();
    expect(limitedEndpointOf('POST', `${'/'.repeat(100_000)}x`)).toBeUndefined();
    expect(limitedEndpointOf('POST', `/token${'/'.repeat(100_000)}`)).toBe('token');
    // A regular expression backtracking over the slashes takes seconds here.
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe(tokenRefusal.name, () => {
  it('is an OAuth error naming the wait', () => {
    expect(tokenRefusal(7, 'too many token requests for this client')).toEqual({
      error: 'invalid_request',
      error_description: 'too many token requests for this client; try again in 7 seconds',
    });
  });
});
