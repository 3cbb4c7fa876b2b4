import { ConnectionType } from './entities/connection.entity';
import { BadInputError } from '../common/errors';

/** What a preset needs from the admin's input. */
export interface PresetInput {
  entraTenant?: string | null;
  oktaDomain?: string | null;
  authorizationServerId?: string | null;
  discoveryUrl?: string | null;
  issuer?: string | null;
  authorizationUrl?: string | null;
  tokenUrl?: string | null;
  jwksUrl?: string | null;
}

/** Where to learn the IdP's endpoints, and which issuers its discovery may declare. */
export type IdpLocation =
  | { kind: 'discovery'; discoveryUrl: string; acceptsIssuer: (issuer: string) => boolean; expectedIssuer: string }
  | { kind: 'manual'; issuer: string; authorizationUrl: string; tokenUrl: string; jwksUrl: string };

export interface PresetContext {
  entraAuthority: string;
  entraGraphUrl: string;
}

/**
 * How to read the groups an IdP left out of the ID token (OIDC Core §5.6.2 distributed
 * claims: `_claim_names` points to a `_claim_sources` endpoint), called with the access token.
 */
export interface GroupsSource {
  /**
   * Where the groups are read. Never the endpoint the claims name: the access token goes only
   * to a host the preset knows, whatever a token (or a userinfo answer) says.
   */
  url(context: PresetContext): string;
  method: 'GET' | 'POST';
  body?: unknown;
  /** The group ids in the endpoint's answer; undefined when it is not the expected shape. */
  groupsFrom(answer: unknown): string[] | undefined;
}

interface Preset {
  /** The preset's own fields, normalised and checked; resolved to where the IdP lives. */
  locate(input: PresetInput, context: PresetContext): IdpLocation;
  /** The claim that holds the email when `email` is absent (Entra sends UPNs). */
  emailFallbackClaims: readonly string[];
  /** Null when the IdP is not known to send groups by reference. */
  groupsSource: GroupsSource | null;
  /**
   * Whether the IdP's email, in the organization's own domains, is trusted without
   * `email_verified: true` (read by provisioning/email-trust.ts, the one trust rule).
   */
  vouchesForEmailsInOwnDomains: boolean;
  /**
   * Why a verified ID token's claims belong to another tenant of the IdP than the connection's
   * (`issuer`), or null: checked at every login, after the signature and the standard claims.
   */
  foreignTenant(issuer: string, claims: Record<string, unknown>): string | null;
}

const NO_TENANTS = () => null;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MULTI_TENANT_ALIASES = new Set(['common', 'organizations', 'consumers']);
const DOMAIN_NAME = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
const WELL_KNOWN = '/.well-known/openid-configuration';

function required(value: string | null | undefined, field: string, why: string): string {
  if (!value || !value.trim()) throw new BadInputError(field, `is required ${why}`);
  return value.trim();
}

const entraId: Preset = {
  locate(input, { entraAuthority }) {
    const tenant = required(input.entraTenant, 'entraTenant', 'for ENTRA_ID (the tenant id or primary domain)').toLowerCase();
    if (MULTI_TENANT_ALIASES.has(tenant)) {
      throw new BadInputError('entraTenant', `"${tenant}" is multi-tenant; pin the connection to one tenant id or primary domain`);
    }
    if (!GUID.test(tenant) && !DOMAIN_NAME.test(tenant)) {
      throw new BadInputError('entraTenant', 'must be a tenant id (GUID) or a primary domain such as contoso.com');
    }
    const issuerPattern = new RegExp(`^${escapeRegExp(entraAuthority)}/([0-9a-f-]{36})/v2\\.0$`, 'i');
    return {
      kind: 'discovery',
      discoveryUrl: `${entraAuthority}/${tenant}/v2.0${WELL_KNOWN}`,
      expectedIssuer: `${entraAuthority}/${tenant}/v2.0`,
      // A primary domain resolves to the tenant's GUID in the issuer.
      acceptsIssuer: (issuer) => {
        const match = issuerPattern.exec(issuer);
        return Boolean(match) && (!GUID.test(tenant) || match![1].toLowerCase() === tenant);
      },
    };
  },
  emailFallbackClaims: ['preferred_username', 'upn'],
  // Entra ID sends no email_verified for work accounts. The connection is pinned to one tenant
  // (multi-tenant aliases are refused above and the token's tid is checked at login), and a
  // tenant's users get addresses only in domains its admins proved to Microsoft; so an email in
  // the organization's own domains is the tenant's own user. Outside them (a guest, an
  // unverified `mail` attribute) it is not vouched for.
  vouchesForEmailsInOwnDomains: true,
  // The issuer names the tenant; a token of another tenant of the same authority names its own in tid.
  foreignTenant(issuer, claims) {
    const tenantInIssuer = /\/([0-9a-f-]{36})\/v2\.0$/i.exec(issuer)?.[1];
    if (!tenantInIssuer || String(claims.tid ?? '').toLowerCase() === tenantInIssuer.toLowerCase()) return null;
    return 'the token’s tid is not the connection’s tenant';
  },
  // Past 200 groups Entra names a `getMemberObjects` endpoint instead (often the retired Azure AD
  // Graph host); Microsoft Graph's answers `{ value: [<object id>, …] }` for the token's user
  // (some versions give objects with an `id`).
  groupsSource: {
    url: ({ entraGraphUrl }) => `${entraGraphUrl}/v1.0/me/getMemberObjects`,
    method: 'POST',
    body: { securityEnabledOnly: false },
    groupsFrom: (answer) => {
      const value = (answer as { value?: unknown } | null)?.value;
      if (!Array.isArray(value)) return undefined;
      return value
        .map((entry) => (typeof entry === 'string' ? entry : (entry as { id?: unknown } | null)?.id))
        .filter((id): id is string => typeof id === 'string');
    },
  },
};

const okta: Preset = {
  locate(input) {
    const raw = required(input.oktaDomain, 'oktaDomain', 'for OKTA (such as acme.okta.com)');
    let base: URL;
    try {
      base = new URL(/^https?:\/\//i.test(raw) ? raw : `https://${raw}`);
    } catch {
      throw new BadInputError('oktaDomain', 'must be a host such as acme.okta.com or a base URL');
    }
    if (base.pathname !== '/' || base.search || base.hash) {
      throw new BadInputError('oktaDomain', 'must be a host such as acme.okta.com or a base URL without a path');
    }
    const serverId = input.authorizationServerId?.trim();
    if (serverId !== undefined && serverId !== '' && !/^[A-Za-z0-9_-]{1,100}$/.test(serverId)) {
      throw new BadInputError('authorizationServerId', 'must be an Okta authorization server id such as default');
    }
    const issuer = serverId ? `${base.origin}/oauth2/${serverId}` : base.origin;
    return {
      kind: 'discovery',
      discoveryUrl: `${issuer}${WELL_KNOWN}`,
      expectedIssuer: issuer,
      acceptsIssuer: (found) => found === issuer,
    };
  },
  emailFallbackClaims: [],
  groupsSource: null,
  // An Okta org lets admins and users set any email; only email_verified says it was proven.
  vouchesForEmailsInOwnDomains: false,
  // One org per issuer: no tenants inside it to tell apart.
  foreignTenant: NO_TENANTS,
};

const genericOidc: Preset = {
  locate(input) {
    if (input.discoveryUrl) {
      const discoveryUrl = input.discoveryUrl.trim();
      const issuer = discoveryUrl.endsWith(WELL_KNOWN) ? discoveryUrl.slice(0, -WELL_KNOWN.length) : undefined;
      const expectedIssuer = input.issuer?.trim() || issuer;
      if (!expectedIssuer) {
        throw new BadInputError('issuer', `is required when discoveryUrl does not end in ${WELL_KNOWN}`);
      }
      return { kind: 'discovery', discoveryUrl, expectedIssuer, acceptsIssuer: (found) => found === expectedIssuer };
    }
    const why = 'for GENERIC_OIDC without a discoveryUrl';
    return {
      kind: 'manual',
      issuer: required(input.issuer, 'issuer', why),
      authorizationUrl: required(input.authorizationUrl, 'authorizationUrl', why),
      tokenUrl: required(input.tokenUrl, 'tokenUrl', why),
      jwksUrl: required(input.jwksUrl, 'jwksUrl', why),
    };
  },
  emailFallbackClaims: [],
  groupsSource: null,
  // Nothing is known of an arbitrary IdP: only email_verified counts.
  vouchesForEmailsInOwnDomains: false,
  foreignTenant: NO_TENANTS,
};

/** Every connection type's knowledge of its IdP, in one place; the compiler insists on all. */
export const PRESETS: Record<ConnectionType, Preset> = {
  [ConnectionType.ENTRA_ID]: entraId,
  [ConnectionType.OKTA]: okta,
  [ConnectionType.GENERIC_OIDC]: genericOidc,
};

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
