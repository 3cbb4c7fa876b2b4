import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { dataDirOf } from './data-dir';

/** The service's configuration, read and validated once at start (see `loadConfig`). */
export interface AppConfig {
  port: number;
  publicUrl: string;
  appUrl: string;
  /** Origins (scheme://host[:port]) a login may return to; always includes APP_URL's origin. */
  allowedReturnOrigins: string[];
  /** Unset: an embedded PostgreSQL under `dataDir` is started with the service. */
  databaseUrl?: string;
  dataDir: string;
  migrationsRun: boolean;
  /**
   * The longest a database statement may run (PostgreSQL's statement_timeout), and the base of
   * the client-side bounds: connecting, and waiting for an answer on a connection that went silent.
   */
  databaseStatementTimeoutMs: number;
  /** Whether the hot statements go as named prepared statements (off for a pooler that cannot keep them). */
  databasePreparedStatements: boolean;
  secretsKey: Buffer;
  /** Earlier values of SECRETS_KEY: they still open what they sealed, until it is resealed at start. */
  previousSecretsKeys: Buffer[];
  bootstrapAdminApiKey?: string;
  entraAuthority: string;
  /** Base URL of Microsoft Graph, where Entra ID's groups overage is resolved. */
  entraGraphUrl: string;
  production: boolean;
  logLevel: string;
  /**
   * Which peers' X-Forwarded-For is believed for the client IP (rate limits): Express's
   * `trust proxy` value, a list of addresses/CIDRs (or proxy-addr's names such as `loopback`),
   * a hop count, or false.
   */
  trustProxy: string[] | number | false;
  /** Requests per minute and client IP on /sso/* routes. */
  ssoRateLimitPerMinute: number;
  /** Refusals before any IdP round trip (bogus iss, unknown state or connection) per minute and client IP; past it, 429. */
  ssoRefusalsPerMinute: number;
  /** Requests per minute on the OpenID Provider's endpoints (/oidc/*). */
  oidcRateLimits: OidcRateLimitsConfig;
  /** Lifetime of a session token and its cookie, in seconds. */
  sessionTtlSeconds: number;
  /** Timeout of every outbound call to an identity provider, in milliseconds. */
  idpTimeoutMs: number;
  /**
   * The least time between two fetches of an IdP's JWKS: an unknown `kid`, or a known one whose
   * signature fails (a key replaced under the same kid), refetches it no sooner.
   */
  jwksRefetchCooldownMs: number;
  /** smtp:// or smtps:// URL of the mail server; unset: messages go to `<dataDir>/outbox/`. */
  smtpUrl?: string;
  /** The From header of every message the service sends. */
  mailFrom: string;
  /**
   * Magic-link requests per hour for one email address from one client IP: keyed with the
   * address, so strangers elsewhere cannot use it up for the person.
   */
  magicLinkRateLimitPerEmail: number;
  /**
   * Sign-in mails per minute to one email address, however many addresses ask: a request past
   * it is answered as usual and sends nothing, since a link under a minute old is in the inbox.
   */
  magicLinkMailsPerEmailPerMinute: number;
  /** Magic-link requests per hour and client IP. */
  magicLinkRateLimitPerIp: number;
  /** Domain verification: where TXT records are looked up, and how often and how long. */
  domainVerification: DomainVerificationConfig;
  /**
   * Whether the roles API's warm answers are sent before Express (RolesFastPathModule).
   * ROLES_FAST_PATH=false sends every request through Express, its guards and middleware.
   */
  rolesFastPath: boolean;
  /** When set, GET /metrics needs `Authorization: Bearer <METRICS_TOKEN>`. */
  metricsToken?: string;
}

/**
 * Per minute, shared by every instance. The defaults are far above what an app's sign-ins need
 * (a sign-in is one token request and two authorization requests), as SSO_RATE_LIMIT_PER_MINUTE is.
 */
export interface OidcRateLimitsConfig {
  /** Authorization requests (`/oidc/auth`, and its resumption after the login) per client IP. */
  authorizationPerIp: number;
  /** The provider's sign-in pages (`/oidc/interaction/*`: the work-email page, the login's continuation) per client IP. */
  interactionPerIp: number;
  /** Token requests per client IP (an app's servers behind one address make all of its requests). */
  tokenPerIp: number;
  /** Token requests per application; a request that fails client authentication is not counted against it. */
  tokenPerClient: number;
}

/**
 * DNS_SERVERS is public; the timings are internal settings (DOMAIN_* variables, in
 * milliseconds) so that tests need not wait days. Defaults are the documented product timings.
 */
export interface DomainVerificationConfig {
  /** `host` or `host:port` entries for Node's resolver; empty: the system's resolvers. */
  dnsServers: string[];
  /** Per query attempt; the resolver tries `dnsTries` times per server. */
  dnsTimeoutMs: number;
  dnsTries: number;
  /** A lookup that has not answered by then counts as "the DNS server did not answer". */
  dnsDeadlineMs: number;
  /** How often the background check looks for domains due a check. */
  checkPollMs: number;
  /** First retry of a pending domain; each further retry waits twice as long, up to the maximum. */
  pendingRetryFirstMs: number;
  pendingRetryMaxMs: number;
  /** How long a pending domain is retried before it is FAILED. */
  pendingGiveUpMs: number;
  /** How often a domain verified through DNS is checked again. */
  recheckMs: number;
  /** How long the record may be missing before the domain stops counting as verified. */
  recordGraceMs: number;
}

/** One configuration problem: one line naming the variable and what is wrong. */
export class ConfigProblem extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigProblem';
  }
}

/** Every problem of a configuration at once (its message: one line each), so one fix-and-retry is enough. */
export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(problems.map((problem) => problem.message).join('\n'));
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function readPort(env: Env): number {
  const raw = env.PORT ?? '3000';
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65535) {
    throw new ConfigProblem('PORT', `must be a port number between 0 and 65535, got "${raw}"`);
  }
  return port;
}

function readPositiveInt(env: Env, variable: string, fallback: number): number {
  const raw = env[variable];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) {
    throw new ConfigProblem(variable, `must be a positive whole number, got "${raw}"`);
  }
  return Number(raw);
}

function readUrl(variable: string, raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigProblem(variable, `must be an absolute http(s) URL, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigProblem(variable, `must use http or https, got "${url.protocol}"`);
  }
  return url;
}

function withoutTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

function readBoolean(env: Env, variable: string, fallback: boolean): boolean {
  const raw = env[variable];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigProblem(variable, `must be true or false, got "${raw}"`);
}

function readDatabaseUrl(env: Env): string | undefined {
  const raw = env.DATABASE_URL;
  if (raw === undefined || raw === '') return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigProblem('DATABASE_URL', 'must be a postgres:// URL');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigProblem('DATABASE_URL', `must be a postgres:// URL, got "${url.protocol}//…"`);
  }
  return raw;
}

function decodeSecretsKey(raw: string, variable = 'SECRETS_KEY'): Buffer {
  const key = Buffer.from(raw, 'base64');
  if (key.length !== 32 || key.toString('base64').replace(/=+$/, '') !== raw.trim().replace(/=+$/, '')) {
    throw new ConfigProblem(variable, 'must be 32 bytes encoded as base64 (e.g. `openssl rand -base64 32`)');
  }
  return key;
}

function readPreviousSecretsKeys(env: Env): Buffer[] {
  const raw = env.SECRETS_KEY_PREVIOUS ?? '';
  return raw
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => decodeSecretsKey(entry, 'SECRETS_KEY_PREVIOUS'));
}

/** SECRETS_KEY, or outside production a key generated once and kept in the data folder. */
function readSecretsKey(env: Env, production: boolean, dataDir: string, mayGenerate: boolean): Buffer {
  const raw = env.SECRETS_KEY;
  if (raw) return decodeSecretsKey(raw);
  if (production) {
    throw new ConfigProblem('SECRETS_KEY', 'is required when NODE_ENV=production (32 bytes, base64)');
  }
  const keyFile = join(dataDir, 'secrets.key');
  if (existsSync(keyFile)) return decodeSecretsKey(readFileSync(keyFile, 'utf8').trim());
  if (!mayGenerate) return Buffer.alloc(0);
  mkdirSync(dataDir, { recursive: true, mode: 0o755 });
  const generated = randomBytes(32).toString('base64');
  writeFileSync(keyFile, generated + '\n', { mode: 0o600 });
  return Buffer.from(generated, 'base64');
}

function readOrigins(variable: string, raw: string | undefined): string[] {
  if (!raw) return [];
  return raw
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const url = readUrl(variable, entry);
      if (url.pathname !== '/' || url.search || url.hash) {
        throw new ConfigProblem(variable, `must list origins only (scheme://host[:port]), got "${entry}"`);
      }
      return url.origin;
    });
}

function readSmtpUrl(env: Env): string | undefined {
  const raw = env.SMTP_URL;
  if (raw === undefined || raw === '') return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigProblem('SMTP_URL', 'must be an smtp:// or smtps:// URL (e.g. smtps://user:password@mail.example.com)');
  }
  if ((url.protocol !== 'smtp:' && url.protocol !== 'smtps:') || !url.hostname) {
    throw new ConfigProblem('SMTP_URL', `must be an smtp:// or smtps:// URL with a host, got "${url.protocol}//…"`);
  }
  return raw;
}

/** A single address, optionally with a display name; no line breaks (they would inject headers). */
function readMailFrom(env: Env, publicUrl: string): string {
  const raw = env.MAIL_FROM?.trim();
  if (!raw) return `no-reply@${new URL(publicUrl).hostname}`;
  if (/[\r\n]/.test(raw) || !/^(?:[^<>@,]*<[^<>@\s,]+@[^<>@\s,]+>|[^<>@\s,]+@[^<>@\s,]+)$/.test(raw)) {
    throw new ConfigProblem(
      'MAIL_FROM',
      `must be one address such as sso@example.com or "SSO <sso@example.com>", got ${JSON.stringify(raw)}`,
    );
  }
  return raw;
}

const MAX_DNS_SERVERS = 8;

/**
 * DNS_SERVERS: a comma list of IPv4/IPv6 addresses, each optionally with a port (`[::1]:53` for
 * IPv6). Names are refused: Node's resolver takes addresses only, and resolving the resolver
 * would need a resolver.
 */
function readDnsServers(env: Env): string[] {
  const raw = (env.DNS_SERVERS ?? '').trim();
  if (raw === '') return [];
  const servers = raw.split(',').map((entry) => {
    const value = entry.trim();
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(value);
    const plain = /^([^:]+)(?::(\d+))?$/.exec(value);
    const [host, port] = bracketed ? [bracketed[1], bracketed[2]] : plain ? [plain[1], plain[2]] : [value, undefined];
    const version = isIP(host);
    const portOk = port === undefined || (Number(port) >= 1 && Number(port) <= 65535);
    if (version === 0 || !portOk) {
      throw new ConfigProblem(
        'DNS_SERVERS',
        `must be a comma list of IP addresses, each optionally with :port (e.g. 1.1.1.1,10.0.0.53:5353); "${value}" is not one`,
      );
    }
    return value;
  });
  if (servers.length > MAX_DNS_SERVERS) throw new ConfigProblem('DNS_SERVERS', `must list at most ${MAX_DNS_SERVERS} servers`);
  return servers;
}

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

function readDomainVerification(env: Env): DomainVerificationConfig {
  const config: DomainVerificationConfig = {
    dnsServers: readDnsServers(env),
    dnsTimeoutMs: readPositiveInt(env, 'DNS_TIMEOUT_MS', 2000),
    dnsTries: readPositiveInt(env, 'DNS_TRIES', 2),
    dnsDeadlineMs: readPositiveInt(env, 'DNS_DEADLINE_MS', 5000),
    checkPollMs: readPositiveInt(env, 'DOMAIN_CHECK_POLL_MS', MINUTE_MS),
    pendingRetryFirstMs: readPositiveInt(env, 'DOMAIN_PENDING_RETRY_FIRST_MS', 5 * MINUTE_MS),
    pendingRetryMaxMs: readPositiveInt(env, 'DOMAIN_PENDING_RETRY_MAX_MS', 6 * 60 * MINUTE_MS),
    pendingGiveUpMs: readPositiveInt(env, 'DOMAIN_PENDING_GIVE_UP_MS', 14 * DAY_MS),
    recheckMs: readPositiveInt(env, 'DOMAIN_RECHECK_MS', 30 * DAY_MS),
    recordGraceMs: readPositiveInt(env, 'DOMAIN_RECORD_GRACE_MS', 7 * DAY_MS),
  };
  if (config.dnsTries > 5) throw new ConfigProblem('DNS_TRIES', `must be at most 5, got "${config.dnsTries}"`);
  if (config.pendingRetryMaxMs < config.pendingRetryFirstMs) {
    throw new ConfigProblem('DOMAIN_PENDING_RETRY_MAX_MS', 'must be at least DOMAIN_PENDING_RETRY_FIRST_MS');
  }
  return config;
}

/** proxy-addr's names for address ranges, accepted beside addresses and CIDRs. */
const TRUST_PROXY_RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/**
 * TRUST_PROXY: `loopback` (default), `false`, a hop count, or a comma list of addresses and
 * CIDRs. `true` (every peer) is refused: anyone could then pick the IP their rate limits count.
 */
function readTrustProxy(env: Env): string[] | number | false {
  const raw = (env.TRUST_PROXY ?? '').trim();
  if (raw === '') return ['loopback'];
  if (raw === 'false') return false;
  if (raw === 'true') {
    throw new ConfigProblem(
      'TRUST_PROXY',
      'must not be true (any client could then choose its IP); give the proxies’ addresses or CIDRs, or a hop count',
    );
  }
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    if (hops < 1 || hops > 32) throw new ConfigProblem('TRUST_PROXY', `must be a hop count between 1 and 32, got "${raw}"`);
    return hops;
  }
  return raw.split(',').map((entry) => {
    const value = entry.trim();
    const [address, prefix, ...rest] = value.split('/');
    const version = isIP(address);
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 6 ? 128 : 32));
    if (TRUST_PROXY_RANGE_NAMES.includes(value) || (version !== 0 && prefixOk && rest.length === 0)) return value;
    throw new ConfigProblem(
      'TRUST_PROXY',
      `must be loopback, false, a hop count, or a comma list of IP addresses and CIDRs; "${value}" is none of these`,
    );
  });
}

/** Reads and validates the environment; throws a ConfigError listing every bad variable. */
export function loadConfig(env: Env = process.env): AppConfig {
  const problems: ConfigProblem[] = [];
  /** The value `read` gives, or `fallback` after noting its problem (so later checks still run). */
  const check = <T>(read: () => T, fallback: T): T => {
    try {
      return read();
    } catch (error) {
      if (!(error instanceof ConfigProblem)) throw error;
      problems.push(error);
      return fallback;
    }
  };
  const production = env.NODE_ENV === 'production';
  const port = check(() => readPort(env), 3000);
  const publicUrl = check(
    () => withoutTrailingSlash(readUrl('PUBLIC_URL', env.PUBLIC_URL || `http://localhost:${port}`).href),
    `http://localhost:${port}`,
  );
  const appUrl = check(() => readUrl('APP_URL', env.APP_URL || `${publicUrl}/auth/me`).href, `${publicUrl}/auth/me`);
  const dataDir = dataDirOf(env);
  const bootstrapAdminApiKey = env.BOOTSTRAP_ADMIN_API_KEY || undefined;
  check(() => {
    if (bootstrapAdminApiKey !== undefined && bootstrapAdminApiKey.length < 24) {
      throw new ConfigProblem('BOOTSTRAP_ADMIN_API_KEY', 'must be at least 24 characters long');
    }
  }, undefined);
  const allowedReturnOrigins = [
    ...new Set([new URL(appUrl).origin, ...check(() => readOrigins('ALLOWED_RETURN_ORIGINS', env.ALLOWED_RETURN_ORIGINS), [])]),
  ];
  const logLevel = check(() => {
    const level = env.LOG_LEVEL || 'info';
    if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(level)) {
      throw new ConfigProblem('LOG_LEVEL', `must be one of fatal, error, warn, info, debug, trace, silent; got "${level}"`);
    }
    return level;
  }, 'info');
  check(() => {
    if (production && new URL(publicUrl).protocol !== 'https:') {
      throw new ConfigProblem('PUBLIC_URL', 'must be https when NODE_ENV=production');
    }
  }, undefined);
  const config: AppConfig = {
    port,
    publicUrl,
    appUrl,
    allowedReturnOrigins,
    databaseUrl: check(() => readDatabaseUrl(env), undefined),
    dataDir,
    migrationsRun: check(() => readBoolean(env, 'MIGRATIONS_RUN', true), true),
    databaseStatementTimeoutMs: check(() => readPositiveInt(env, 'DATABASE_STATEMENT_TIMEOUT_MS', 5000), 5000),
    databasePreparedStatements: check(() => readBoolean(env, 'DATABASE_PREPARED_STATEMENTS', true), true),
    secretsKey: Buffer.alloc(0),
    previousSecretsKeys: check(() => readPreviousSecretsKeys(env), []),
    bootstrapAdminApiKey,
    entraGraphUrl: check(
      () => withoutTrailingSlash(readUrl('ENTRA_GRAPH_URL', env.ENTRA_GRAPH_URL || 'https://graph.microsoft.com').href),
      '',
    ),
    entraAuthority: check(
      () => withoutTrailingSlash(readUrl('ENTRA_AUTHORITY', env.ENTRA_AUTHORITY || 'https://login.microsoftonline.com').href),
      '',
    ),
    production,
    logLevel,
    trustProxy: check(() => readTrustProxy(env), false),
    ssoRateLimitPerMinute: check(() => readPositiveInt(env, 'SSO_RATE_LIMIT_PER_MINUTE', 300), 300),
    ssoRefusalsPerMinute: check(() => readPositiveInt(env, 'SSO_REFUSALS_PER_MINUTE', 30), 30),
    oidcRateLimits: {
      authorizationPerIp: check(() => readPositiveInt(env, 'OIDC_AUTHORIZATION_RATE_LIMIT_PER_MINUTE', 300), 300),
      interactionPerIp: check(() => readPositiveInt(env, 'OIDC_INTERACTION_RATE_LIMIT_PER_MINUTE', 300), 300),
      tokenPerIp: check(() => readPositiveInt(env, 'OIDC_TOKEN_RATE_LIMIT_PER_MINUTE', 3000), 3000),
      tokenPerClient: check(() => readPositiveInt(env, 'OIDC_TOKEN_RATE_LIMIT_PER_CLIENT_PER_MINUTE', 3000), 3000),
    },
    sessionTtlSeconds: check(() => readPositiveInt(env, 'SESSION_TTL_SECONDS', 3600), 3600),
    idpTimeoutMs: check(() => readPositiveInt(env, 'IDP_TIMEOUT_MS', 5000), 5000),
    jwksRefetchCooldownMs: check(() => readPositiveInt(env, 'JWKS_REFETCH_COOLDOWN_MS', 5000), 5000),
    smtpUrl: check(() => readSmtpUrl(env), undefined),
    mailFrom: check(() => readMailFrom(env, publicUrl), ''),
    magicLinkRateLimitPerEmail: check(() => readPositiveInt(env, 'MAGIC_LINK_RATE_LIMIT_PER_EMAIL', 5), 5),
    magicLinkRateLimitPerIp: check(() => readPositiveInt(env, 'MAGIC_LINK_RATE_LIMIT_PER_IP', 30), 30),
    magicLinkMailsPerEmailPerMinute: check(() => readPositiveInt(env, 'MAGIC_LINK_MAILS_PER_EMAIL_PER_MINUTE', 1), 1),
    metricsToken: env.METRICS_TOKEN || undefined,
    domainVerification: check(() => readDomainVerification(env), readDomainVerification({})),
    rolesFastPath: check(() => readBoolean(env, 'ROLES_FAST_PATH', true), true),
  };
  // Last, because outside production it may write a new key to the data folder: never for a configuration that is refused anyway.
  config.secretsKey = check(() => readSecretsKey(env, production, dataDir, problems.length === 0), Buffer.alloc(0));
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** Nest injection token for the AppConfig object. */
export const APP_CONFIG = Symbol('APP_CONFIG');
