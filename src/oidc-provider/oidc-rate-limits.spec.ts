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
  ])('%s %s has no per-IP limit of its own', (method, path) => {
    expect(limitedEndpointOf(method, path)).toBeUndefined();
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
