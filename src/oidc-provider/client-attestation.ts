import type { IncomingHttpHeaders } from 'node:http';
import { limitedEndpointOf } from './oidc-rate-limits';

/**
 * True for a token request carrying the headers of attestation-based client authentication
 * (OAuth-Client-Attestation, OAuth-Client-Attestation-PoP). The provider offers no such method,
 * yet oidc-provider reads these headers at the token endpoint all the same and, with a client_id
 * in the body, looks the client up before it refuses; refused before the provider, they cost
 * nothing and reach no client.
 */
export function carriesClientAttestation(method: string, path: string, headers: IncomingHttpHeaders): boolean {
  if (limitedEndpointOf(method, path) !== 'token') return false;
  // Node gives header names lower-cased.
  return Object.keys(headers).some((name) => name.startsWith('oauth-client-attestation'));
}

/** The token endpoint's answer to such a request (RFC 6749 §5.2). */
export const CLIENT_ATTESTATION_REFUSAL = {
  error: 'invalid_request',
  error_description: 'attestation-based client authentication is not supported',
} as const;
