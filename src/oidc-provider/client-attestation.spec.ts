import { describe, expect, it } from '@jest/globals';
import { carriesClientAttestation } from './client-attestation';

describe(carriesClientAttestation.name, () => {
  const attestation = { 'oauth-client-attestation': 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJWSUNUSU0ifQ.' };

  it.each([
    ['POST', '/token', attestation],
    ['POST', '/TOKEN/', attestation],
    ['POST', '/token', { 'oauth-client-attestation-pop': 'x' }],
    ['POST', '/token', { authorization: 'Basic eDp5', 'oauth-client-attestation': 'x', 'oauth-client-attestation-pop': 'y' }],
  ])('refuses %s %s with %j', (method, path, headers) => {
    expect(carriesClientAttestation(method, path, headers)).toBe(true);
  });

  it.each([
    ['POST', '/token', { authorization: 'Basic eDp5', 'content-type': 'application/x-www-form-urlencoded' }],
    ['POST', '/token', {}],
    ['GET', '/token', attestation],
    ['POST', '/token/revocation', attestation],
    ['GET', '/auth', attestation],
  ])('lets %s %s with %j through', (method, path, headers) => {
    expect(carriesClientAttestation(method, path, headers)).toBe(false);
  });
});
