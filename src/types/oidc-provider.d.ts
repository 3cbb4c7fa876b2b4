// oidc-provider ships no declarations: its shape is described where it is used (oidc-provider.types.ts).
declare module 'oidc-provider';
