import { describe, expect, it } from '@jest/globals';
import {
  acceptedIdTokenAlgorithms,
  algorithmRefusal,
  AlgorithmRefusal,
  announcedList,
  missingClientSecret,
  ASYMMETRIC_ID_TOKEN_ALGORITHMS,
  effectiveTokenEndpointAuthMethod,
  TokenEndpointAuthMethod,
  usesClientSecret,
} from './token-security';

const { CLIENT_SECRET_BASIC: BASIC, CLIENT_SECRET_POST: POST, PRIVATE_KEY_JWT: JWT } = TokenEndpointAuthMethod;

describe(effectiveTokenEndpointAuthMethod.name, () => {
  it.each([
    [null, null, BASIC],
    [null, ['client_secret_basic', 'client_secret_post'], BASIC],
    [null, ['client_secret_post', 'private_key_jwt'], POST],
    [null, ['private_key_jwt'], JWT],
    [null, ['tls_client_auth'], BASIC],
    [null, [], BASIC],
    [POST, ['client_secret_basic'], POST],
    [JWT, null, JWT],
  ] as const)('override %s, IdP announces %j: %s', (override, announced, expected) => {
    expect(
      effectiveTokenEndpointAuthMethod({
        tokenEndpointAuthMethod: override,
        tokenEndpointAuthMethodsSupported: announced === null ? null : [...announced],
      }),
    ).toBe(expected);
  });

  it('needs the client secret for every method but private_key_jwt', () => {
    expect([BASIC, POST, JWT].map(usesClientSecret)).toEqual([true, true, false]);
  });
});

describe(acceptedIdTokenAlgorithms.name, () => {
  it('accepts every asymmetric algorithm when the IdP announces none', () => {
    expect(acceptedIdTokenAlgorithms({ idTokenSigningAlgValuesSupported: null, allowSymmetricIdTokenSignature: true })).toEqual([
      ...ASYMMETRIC_ID_TOKEN_ALGORITHMS,
    ]);
  });

  it('accepts the announced asymmetric ones, never none, HS only when announced and opted in', () => {
    const announced = ['ES512', 'PS384', 'HS256', 'none', 'RS256'];
    expect(acceptedIdTokenAlgorithms({ idTokenSigningAlgValuesSupported: announced, allowSymmetricIdTokenSignature: false })).toEqual([
      'RS256',
      'PS384',
      'ES512',
    ]);
    expect(acceptedIdTokenAlgorithms({ idTokenSigningAlgValuesSupported: announced, allowSymmetricIdTokenSignature: true })).toEqual([
      'RS256',
      'PS384',
      'ES512',
      'HS256',
    ]);
  });
});

describe(algorithmRefusal.name, () => {
  const settings = { idTokenSigningAlgValuesSupported: ['RS256', 'HS256'], allowSymmetricIdTokenSignature: false };

  it.each([
    ['RS256', settings, null],
    ['none', settings, AlgorithmRefusal.NEVER_ACCEPTED],
    ['XX999', { ...settings, idTokenSigningAlgValuesSupported: null }, AlgorithmRefusal.NEVER_ACCEPTED],
    ['HS256', settings, AlgorithmRefusal.SYMMETRIC_NOT_ALLOWED],
    ['HS256', { ...settings, allowSymmetricIdTokenSignature: true }, null],
    ['HS384', { ...settings, allowSymmetricIdTokenSignature: true }, AlgorithmRefusal.NOT_ANNOUNCED],
    ['HS256', { idTokenSigningAlgValuesSupported: null, allowSymmetricIdTokenSignature: true }, AlgorithmRefusal.NOT_ANNOUNCED],
    ['ES512', settings, AlgorithmRefusal.NOT_ANNOUNCED],
  ] as const)('%s with %j: %s', (alg, given, expected) => {
    expect(
      algorithmRefusal(alg, {
        ...given,
        idTokenSigningAlgValuesSupported: given.idTokenSigningAlgValuesSupported ? [...given.idTokenSigningAlgValuesSupported] : null,
      }),
    ).toBe(expected);
  });
});

describe(announcedList.name, () => {
  it('keeps the strings of a list and treats anything else as not announced', () => {
    expect(announcedList(['a', 1, 'b'])).toEqual(['a', 'b']);
    expect(announcedList('client_secret_basic')).toBeNull();
    expect(announcedList(undefined)).toBeNull();
  });
});

describe(missingClientSecret.name, () => {
  const base = {
    tokenEndpointAuthMethod: null,
    tokenEndpointAuthMethodsSupported: ['client_secret_basic', 'private_key_jwt'],
    allowSymmetricIdTokenSignature: false,
    hasClientSecret: false,
  };

  it('asks for the secret when the chosen method needs one', () => {
    expect(missingClientSecret(base)).toEqual({
      field: 'clientSecret',
      reason: expect.stringContaining('client_secret_basic (chosen from what the IdP announces)'),
    });
    expect(missingClientSecret({ ...base, tokenEndpointAuthMethod: POST })).toEqual({
      field: 'clientSecret',
      reason: expect.stringMatching(/^is required for client_secret_post;/),
    });
  });

  it('lets private_key_jwt go without one, unless HS ID tokens are allowed', () => {
    expect(missingClientSecret({ ...base, tokenEndpointAuthMethod: JWT })).toBeNull();
    expect(missingClientSecret({ ...base, tokenEndpointAuthMethodsSupported: ['private_key_jwt'] })).toBeNull();
    expect(missingClientSecret({ ...base, tokenEndpointAuthMethod: JWT, allowSymmetricIdTokenSignature: true })?.field).toBe(
      'allowSymmetricIdTokenSignature',
    );
  });

  it('is satisfied by a secret', () => {
    expect(missingClientSecret({ ...base, hasClientSecret: true, allowSymmetricIdTokenSignature: true })).toBeNull();
  });
});
