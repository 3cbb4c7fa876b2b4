/** Where the OpenID Provider is mounted in the app. */
export const OIDC_MOUNT_PATH = '/oidc';
/** The interaction pages are this service's own (Nest) routes under the provider's mount path. */
export const INTERACTION_PATH = '/interaction/';
