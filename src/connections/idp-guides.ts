import { ConnectionType } from './entities/connection.entity';

/** The values an IT admin pastes at the IdP, computed for one connection (or for the next one made). */
export interface GuideValues {
  redirectUri: string;
  initiateLoginUri: string;
}

/** A setup guide for one kind of IdP: what to click there, what to paste, what to bring back. */
export interface IdpGuide {
  label: string;
  /** Steps at the IdP, in order; `{redirectUri}` and `{initiateLoginUri}` are filled in. */
  steps: readonly string[];
  /** Which of the connection's fields this IdP's admin fills in, besides the client id and secret. */
  fields: readonly ('entraTenant' | 'oktaDomain' | 'authorizationServerId' | 'discoveryUrl')[];
  /** What a role mapping's group id is, as this IdP sends it. */
  groupIdMeaning: string;
}

/**
 * Per-IdP guidance, exhaustive by type so that a new connection type cannot ship without one.
 * The same facts as docs/identity-providers.md.
 */
export const IDP_GUIDES: Record<ConnectionType, IdpGuide> = {
  [ConnectionType.ENTRA_ID]: {
    label: 'Microsoft Entra ID',
    steps: [
      'In the Microsoft Entra admin center, open Identity › Applications › App registrations and choose New registration.',
      'Name it, choose “Accounts in this organizational directory only” (single tenant), and under Redirect URI pick Web and paste {redirectUri}.',
      'In Branding & properties, set the Home page URL to {initiateLoginUri} so the app’s tile in My Apps signs people straight in.',
      'In Certificates & secrets, create a client secret and copy its Value (not its ID) and its expiry date.',
      'In Token configuration, choose Add groups claim, tick Security groups, and for the ID token pick Group ID. Add the optional claims email and upn to the ID token.',
      'In API permissions, keep Microsoft Graph › User.Read (delegated) and grant admin consent, so people are not asked.',
      'Copy the Directory (tenant) ID and the Application (client) ID from the Overview page.',
    ],
    fields: ['entraTenant'],
    groupIdMeaning: 'the group’s Object ID (a GUID) from Entra ID › Groups',
  },
  [ConnectionType.OKTA]: {
    label: 'Okta',
    steps: [
      'In the Okta Admin Console, open Applications › Applications › Create App Integration, choose OIDC – OpenID Connect and Web Application.',
      'Under Sign-in redirect URIs paste {redirectUri}; under Initiate login URI paste {initiateLoginUri} and choose “Redirect to app to initiate login (OIDC Compliant)”.',
      'Keep Authorization Code as the grant type; under Client authentication, Client secret works (Okta sends it with Basic authentication by default).',
      'In the Sign On tab, edit the OpenID Connect ID Token: set the Groups claim type to Filter, name it groups, and choose Matches regex .* (or narrower).',
      'In Assignments, assign the people or groups who may sign in.',
      'Copy the Client ID and Client secret, and your Okta domain (such as acme.okta.com).',
    ],
    fields: ['oktaDomain', 'authorizationServerId'],
    groupIdMeaning: 'the group’s name as Okta sends it in the groups claim',
  },
  [ConnectionType.GENERIC_OIDC]: {
    label: 'Another OpenID Connect provider',
    steps: [
      'At your identity provider, create a confidential web application (OpenID Connect, authorization code flow with PKCE).',
      'Set its redirect (callback) URI to {redirectUri}, and if it has one, its initiate login URI to {initiateLoginUri}.',
      'Allow the scopes openid, email and profile, and make sure the ID token carries email and email_verified.',
      'If you map groups to roles, add a groups claim to the ID token (an array of group names or ids).',
      'Copy the client ID, the client secret, and the discovery URL (ending in /.well-known/openid-configuration).',
    ],
    fields: ['discoveryUrl'],
    groupIdMeaning: 'a value of the groups claim exactly as your provider sends it',
  },
};

/** A guide step with this connection's values filled in. */
export function fillGuideStep(step: string, values: GuideValues): string {
  return step.replaceAll('{redirectUri}', values.redirectUri).replaceAll('{initiateLoginUri}', values.initiateLoginUri);
}
