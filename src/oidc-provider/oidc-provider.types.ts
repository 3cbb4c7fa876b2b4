/**
 * oidc-provider 9 ships no type declarations; these describe the part of its API this service
 * uses (https://github.com/panva/node-oidc-provider/blob/main/docs/README.md).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface KoaCookies {
  get(name: string, options?: { signed?: boolean }): string | undefined;
  set(name: string, value: string | null, options?: Record<string, unknown>): void;
}

/** The Koa context oidc-provider hands to its configuration functions. */
export interface ProviderContext {
  cookies: KoaCookies;
  type: string;
  body: string;
  status: number;
  set(field: string, value: string): void;
  oidc?: {
    route?: string;
    params?: Record<string, unknown>;
    session?: { accountId?: string };
    account?: { accountId: string };
    client?: { clientId: string; clientName?: string };
    provider: ProviderInstance;
    requestParamOIDCScopes: Set<string>;
    requestParamClaims: Set<string>;
  };
}

export interface Interaction {
  uid: string;
  prompt: { name: string; reasons: string[] };
  params: Record<string, unknown>;
}

export interface Grant {
  /** The grant's id, set by save(). */
  readonly jti: string;
  addOIDCScope(scope: string): void;
  addOIDCClaims(claims: string[]): void;
  save(): Promise<string>;
}

export type InteractionResult =
  { login: { accountId: string; amr?: string[]; remember?: boolean } } | { error: string; error_description: string };

/** Answers a token request of one grant type, once the client has authenticated. */
export type GrantTypeHandler = (ctx: ProviderContext) => Promise<void>;

export interface ProviderInstance {
  proxy: boolean;
  /** Also how oidc-provider registers its own grant types while it is constructed. */
  registerGrantType(name: string, handler: GrantTypeHandler, ...rest: unknown[]): void;
  callback(): (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  use(middleware: (ctx: ProviderContext, next: () => Promise<void>) => Promise<void>): void;
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<Interaction>;
  interactionFinished(
    req: IncomingMessage,
    res: ServerResponse,
    result: InteractionResult,
    options?: { mergeWithLastSubmission?: boolean },
  ): Promise<void>;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  Grant: new (properties: { accountId: string; clientId: string }) => Grant;
}

export interface PromptCheck {
  readonly reason: string;
}

export interface OidcProviderModule {
  Provider: (new (issuer: string, configuration: Record<string, unknown>) => ProviderInstance) & {
    /** The context of the request being handled (oidc-provider keeps it in an AsyncLocalStorage). */
    readonly ctx: ProviderContext | undefined;
  };
  errors: {
    /** Rendered by the provider as `{ error: message, error_description }` with `status`. */
    OIDCProviderError: new (status: number, message: string) => Error;
    /** invalid_grant; `detail` is logged, not shown. */
    InvalidGrant: new (detail?: string) => Error;
    /** login_required, with this error_description. */
    LoginRequired: new (description?: string) => Error;
  };
  interactionPolicy: {
    base(): { get(name: string): { checks: { add(check: PromptCheck, index?: number): void } } };
    Check: (new (reason: string, description: string, check: (ctx: ProviderContext) => boolean | Promise<boolean>) => PromptCheck) & {
      REQUEST_PROMPT: boolean;
      NO_NEED_TO_PROMPT: boolean;
    };
  };
}

let loaded: Promise<OidcProviderModule> | undefined;

/**
 * Imported once and lazily: the package is ESM-only, and its load-time "Unsupported runtime"
 * notice (it targets Node 22; Node 20.20 runs it) is muted. The specifier is a literal so that
 * the bundle (scripts/bundle.mjs) holds the package: a bundle run from V8's code cache cannot
 * import a file at run time on Node 20 (start-bundled.ts).
 */
export function loadOidcProvider(): Promise<OidcProviderModule> {
  loaded ??= (async () => {
    const warn = console.warn;
    console.warn = (...args: unknown[]) => {
      if (!String(args[0]).includes('Unsupported runtime')) warn(...args);
    };
    try {
      return (await import('oidc-provider')) as OidcProviderModule;
    } finally {
      console.warn = warn;
    }
  })();
  return loaded;
}
