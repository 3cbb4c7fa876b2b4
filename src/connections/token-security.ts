import { registerEnumType } from '@nestjs/graphql';

/**
 * How the service proves itself at an IdP's token endpoint, and which ID-token signatures it
 * accepts: protocol knowledge every IdP shares, decided here and nowhere else.
 */
export enum TokenEndpointAuthMethod {
  CLIENT_SECRET_BASIC = 'client_secret_basic',
  CLIENT_SECRET_POST = 'client_secret_post',
  PRIVATE_KEY_JWT = 'private_key_jwt',
}
registerEnumType(TokenEndpointAuthMethod, {
  name: 'TokenEndpointAuthMethod',
  description: 'How the service authenticates at the IdP’s token endpoint (OAuth token_endpoint_auth_method).',
  valuesMap: {
    CLIENT_SECRET_BASIC: { description: 'The client id and secret in an HTTP Basic Authorization header (client_secret_basic).' },
    CLIENT_SECRET_POST: { description: 'The client id and secret in the form body (client_secret_post).' },
    PRIVATE_KEY_JWT: {
      description: 'A JWT signed with the service’s key, published at clientJwksUri (private_key_jwt); needs no client secret.',
    },
  },
});

/** Every asymmetric JWS algorithm an ID token may be signed with (RFC 7518, RFC 8037, RFC 9864). */
export const ASYMMETRIC_ID_TOKEN_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const;
/** Signed with the client secret: accepted only when the IdP announces them and the connection opts in. */
export const SYMMETRIC_ID_TOKEN_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;

/** What the IdP's discovery document announced; null when it said nothing (or the endpoints were entered by hand). */
export interface IdpAnnouncements {
  tokenEndpointAuthMethodsSupported: string[] | null;
  idTokenSigningAlgValuesSupported: string[] | null;
}

export interface ClientAuthenticationSettings extends Pick<IdpAnnouncements, 'tokenEndpointAuthMethodsSupported'> {
  /** The connection's override; null lets the IdP's announcement decide. */
  tokenEndpointAuthMethod: TokenEndpointAuthMethod | null;
}

/**
 * The method a token request uses: the override, else what the IdP announces. Basic when the
 * IdP offers it or says nothing: OAuth 2.0 (RFC 6749 §2.3.1, RFC 8414) makes it the default
 * every server must support.
 */
export function effectiveTokenEndpointAuthMethod(settings: ClientAuthenticationSettings): TokenEndpointAuthMethod {
  if (settings.tokenEndpointAuthMethod) return settings.tokenEndpointAuthMethod;
  const announced = settings.tokenEndpointAuthMethodsSupported;
  if (announced === null || announced.includes(TokenEndpointAuthMethod.CLIENT_SECRET_BASIC))
    return TokenEndpointAuthMethod.CLIENT_SECRET_BASIC;
  if (announced.includes(TokenEndpointAuthMethod.CLIENT_SECRET_POST)) return TokenEndpointAuthMethod.CLIENT_SECRET_POST;
  if (announced.includes(TokenEndpointAuthMethod.PRIVATE_KEY_JWT)) return TokenEndpointAuthMethod.PRIVATE_KEY_JWT;
  return TokenEndpointAuthMethod.CLIENT_SECRET_BASIC;
}

/** Whether a token request by this method needs the client secret. */
export function usesClientSecret(method: TokenEndpointAuthMethod): boolean {
  return method !== TokenEndpointAuthMethod.PRIVATE_KEY_JWT;
}

export interface IdTokenSignatureSettings extends Pick<IdpAnnouncements, 'idTokenSigningAlgValuesSupported'> {
  allowSymmetricIdTokenSignature: boolean;
}

/**
 * The algorithms an ID token of this connection may be signed with: every asymmetric one the IdP
 * announces (all of them when it announces none), HS256–512 only when announced and opted in,
 * never `none`.
 */
export function acceptedIdTokenAlgorithms(settings: IdTokenSignatureSettings): string[] {
  const announced = settings.idTokenSigningAlgValuesSupported;
  const asymmetric = ASYMMETRIC_ID_TOKEN_ALGORITHMS.filter((alg) => announced === null || announced.includes(alg));
  const symmetric =
    settings.allowSymmetricIdTokenSignature && announced !== null
      ? SYMMETRIC_ID_TOKEN_ALGORITHMS.filter((alg) => announced.includes(alg))
      : [];
  return [...asymmetric, ...symmetric];
}

export function isSymmetricAlgorithm(alg: string): boolean {
  return (SYMMETRIC_ID_TOKEN_ALGORITHMS as readonly string[]).includes(alg);
}

/** Why a token's algorithm is not accepted: the words of the refusal depend on it. */
export enum AlgorithmRefusal {
  /** `none`, or an algorithm no IdP should sign ID tokens with. */
  NEVER_ACCEPTED = 'never_accepted',
  /** HS256–512 without the connection's opt-in. */
  SYMMETRIC_NOT_ALLOWED = 'symmetric_not_allowed',
  /** The IdP signed with an algorithm its discovery document does not announce. */
  NOT_ANNOUNCED = 'not_announced',
}

export function algorithmRefusal(alg: string, settings: IdTokenSignatureSettings): AlgorithmRefusal | null {
  if (acceptedIdTokenAlgorithms(settings).includes(alg)) return null;
  const known = (ASYMMETRIC_ID_TOKEN_ALGORITHMS as readonly string[]).includes(alg) || isSymmetricAlgorithm(alg);
  if (!known) return AlgorithmRefusal.NEVER_ACCEPTED;
  // Known, not accepted: either HS* the IdP announces without the connection's opt-in, or not announced.
  const announcedByIdp = settings.idTokenSigningAlgValuesSupported?.includes(alg) ?? false;
  return isSymmetricAlgorithm(alg) && announcedByIdp ? AlgorithmRefusal.SYMMETRIC_NOT_ALLOWED : AlgorithmRefusal.NOT_ANNOUNCED;
}

/** A discovery list of strings, or null when absent or not a list of strings. */
export function announcedList(value: unknown): string[] | null {
  if (!Array.isArray(value)) return null;
  const strings = value.filter((entry): entry is string => typeof entry === 'string' && entry.length <= 100);
  return strings.slice(0, 50);
}

export interface ClientCredentialSettings
  extends ClientAuthenticationSettings, Pick<IdTokenSignatureSettings, 'allowSymmetricIdTokenSignature'> {
  hasClientSecret: boolean;
}

/** The input field a connection without a client secret is refused on, and why; null when it needs none. */
export function missingClientSecret(settings: ClientCredentialSettings): { field: string; reason: string } | null {
  if (settings.hasClientSecret) return null;
  const method = effectiveTokenEndpointAuthMethod(settings);
  if (usesClientSecret(method)) {
    const chosen = settings.tokenEndpointAuthMethod ? '' : ' (chosen from what the IdP announces)';
    return {
      field: 'clientSecret',
      reason: `is required for ${method}${chosen}; only tokenEndpointAuthMethod PRIVATE_KEY_JWT works without one`,
    };
  }
  if (settings.allowSymmetricIdTokenSignature) {
    return { field: 'allowSymmetricIdTokenSignature', reason: 'needs a client secret: HS256–512 ID tokens are signed with it' };
  }
  return null;
}
