import { describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ConfigError, loadConfig } from './app-config';

const KEY = Buffer.alloc(32, 3).toString('base64');

describe(loadConfig.name, () => {
  it('applies the contract defaults', () => {
    const config = loadConfig({ SECRETS_KEY: KEY });
    expect(config.port).toBe(3000);
    expect(config.publicUrl).toBe('http://localhost:3000');
    expect(config.appUrl).toBe('http://localhost:3000/auth/me');
    expect(config.allowedReturnOrigins).toEqual(['http://localhost:3000']);
    expect(config.entraAuthority).toBe('https://login.microsoftonline.com');
    expect(config.migrationsRun).toBe(true);
    expect(config.databaseStatementTimeoutMs).toBe(5000);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.smtpUrl).toBeUndefined();
    expect(config.mailFrom).toBe('no-reply@localhost');
    expect([config.magicLinkRateLimitPerEmail, config.magicLinkRateLimitPerIp, config.magicLinkMailsPerEmailPerMinute]).toEqual([5, 30, 1]);
    expect([config.ssoRateLimitPerMinute, config.ssoRefusalsPerMinute]).toEqual([300, 30]);
    expect(config.oidcRateLimits).toEqual({ authorizationPerIp: 300, interactionPerIp: 300, tokenPerIp: 3000, tokenPerClient: 3000 });
    expect(config.jwksRefetchCooldownMs).toBe(5000);
    expect(loadConfig({ SECRETS_KEY: KEY, JWKS_REFETCH_COOLDOWN_MS: '1' }).jwksRefetchCooldownMs).toBe(1);
  });

  it('refuses a limit that is not a positive whole number, naming the variable', () => {
    expect(() => loadConfig({ SECRETS_KEY: KEY, SSO_REFUSALS_PER_MINUTE: '0' })).toThrow(
      'SSO_REFUSALS_PER_MINUTE: must be a positive whole number, got "0"',
    );
    expect(() => loadConfig({ SECRETS_KEY: KEY, MAGIC_LINK_MAILS_PER_EMAIL_PER_MINUTE: 'many' })).toThrow(
      'MAGIC_LINK_MAILS_PER_EMAIL_PER_MINUTE',
    );
  });

  it('reads DATABASE_STATEMENT_TIMEOUT_MS and refuses a value that is not a positive whole number', () => {
    expect(loadConfig({ SECRETS_KEY: KEY, DATABASE_STATEMENT_TIMEOUT_MS: '1500' }).databaseStatementTimeoutMs).toBe(1500);
    expect(() => loadConfig({ SECRETS_KEY: KEY, DATABASE_STATEMENT_TIMEOUT_MS: '0' })).toThrow(
      'DATABASE_STATEMENT_TIMEOUT_MS: must be a positive whole number, got "0"',
    );
  });

  it('reads the mail settings', () => {
    const config = loadConfig({
      SECRETS_KEY: KEY,
      SMTP_URL: 'smtps://user:pw@mail.example.com:465',
      MAIL_FROM: 'Acme SSO <sso@example.com>',
    });
    expect(config.smtpUrl).toBe('smtps://user:pw@mail.example.com:465');
    expect(config.mailFrom).toBe('Acme SSO <sso@example.com>');
  });

  it('derives PUBLIC_URL from PORT and always allows APP_URL’s origin', () => {
    const config = loadConfig({
      SECRETS_KEY: KEY,
      PORT: '8080',
      APP_URL: 'https://app.example.com/home',
      ALLOWED_RETURN_ORIGINS: 'https://admin.example.com, https://app.example.com',
    });
    expect(config.publicUrl).toBe('http://localhost:8080');
    expect(config.allowedReturnOrigins).toEqual(['https://app.example.com', 'https://admin.example.com']);
  });

  it('generates SECRETS_KEY once into the data folder outside production', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'config-spec-'));
    const first = loadConfig({ DATA_DIR: dataDir });
    const second = loadConfig({ DATA_DIR: dataDir });
    expect(first.secretsKey).toHaveLength(32);
    expect(second.secretsKey.equals(first.secretsKey)).toBe(true);
    expect(readFileSync(join(dataDir, 'secrets.key'), 'utf8').trim()).toBe(first.secretsKey.toString('base64'));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('reads TRUST_PROXY: loopback by default, false, a hop count, or addresses and CIDRs', () => {
    expect(loadConfig({ SECRETS_KEY: KEY }).trustProxy).toEqual(['loopback']);
    expect(loadConfig({ SECRETS_KEY: KEY, TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ SECRETS_KEY: KEY, TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ SECRETS_KEY: KEY, TRUST_PROXY: '10.0.0.1, 192.168.0.0/16,fd00::/8 ,loopback' }).trustProxy).toEqual([
      '10.0.0.1',
      '192.168.0.0/16',
      'fd00::/8',
      'loopback',
    ]);
  });

  it.each([
    [{ SECRETS_KEY: KEY, TRUST_PROXY: 'true' }, 'TRUST_PROXY'],
    [{ SECRETS_KEY: KEY, TRUST_PROXY: '0' }, 'TRUST_PROXY'],
    [{ SECRETS_KEY: KEY, TRUST_PROXY: '10.0.0.0/33' }, 'TRUST_PROXY'],
    [{ SECRETS_KEY: KEY, TRUST_PROXY: '10.0.0.1,' }, 'TRUST_PROXY'],
    [{ SECRETS_KEY: KEY, TRUST_PROXY: 'proxy.example.com' }, 'TRUST_PROXY'],
    [{ SECRETS_KEY: KEY, TRUST_PROXY: '10.0.0.1/8/8' }, 'TRUST_PROXY'],
    [{ PORT: '70000' }, 'PORT'],
    [{ SECRETS_KEY: Buffer.alloc(16).toString('base64') }, 'SECRETS_KEY'],
    [{ NODE_ENV: 'production', PUBLIC_URL: 'https://sso.example.com' }, 'SECRETS_KEY'],
    [{ NODE_ENV: 'production', SECRETS_KEY: KEY, PUBLIC_URL: 'http://sso.example.com' }, 'PUBLIC_URL'],
    [{ SECRETS_KEY: KEY, MIGRATIONS_RUN: 'maybe' }, 'MIGRATIONS_RUN'],
    [{ SECRETS_KEY: KEY, SECRETS_KEY_PREVIOUS: `${KEY},not-a-key` }, 'SECRETS_KEY_PREVIOUS'],
    [{ SECRETS_KEY: KEY, ENTRA_AUTHORITY: 'ftp://login' }, 'ENTRA_AUTHORITY'],
    [{ SECRETS_KEY: KEY, BOOTSTRAP_ADMIN_API_KEY: 'short' }, 'BOOTSTRAP_ADMIN_API_KEY'],
    [{ SECRETS_KEY: KEY, LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ SECRETS_KEY: KEY, SMTP_URL: 'http://mail.example.com' }, 'SMTP_URL'],
    [{ SECRETS_KEY: KEY, SMTP_URL: 'not a url' }, 'SMTP_URL'],
    [{ SECRETS_KEY: KEY, MAIL_FROM: 'nobody' }, 'MAIL_FROM'],
    [{ SECRETS_KEY: KEY, MAIL_FROM: 'a@example.com\r\nBcc: b@example.com' }, 'MAIL_FROM'],
    [{ SECRETS_KEY: KEY, MAGIC_LINK_RATE_LIMIT_PER_EMAIL: '0' }, 'MAGIC_LINK_RATE_LIMIT_PER_EMAIL'],
    [{ SECRETS_KEY: KEY, JWKS_REFETCH_COOLDOWN_MS: '-5' }, 'JWKS_REFETCH_COOLDOWN_MS'],
    [{ SECRETS_KEY: KEY, OIDC_TOKEN_RATE_LIMIT_PER_CLIENT_PER_MINUTE: '0' }, 'OIDC_TOKEN_RATE_LIMIT_PER_CLIENT_PER_MINUTE'],
    [{ SECRETS_KEY: KEY, OIDC_AUTHORIZATION_RATE_LIMIT_PER_MINUTE: '1.5' }, 'OIDC_AUTHORIZATION_RATE_LIMIT_PER_MINUTE'],
  ])('refuses %j naming %s', (env, variable) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(`^${variable}: `));
  });

  it('reads DNS_SERVERS: system resolvers by default, addresses with optional ports', () => {
    expect(loadConfig({ SECRETS_KEY: KEY }).domainVerification.dnsServers).toEqual([]);
    expect(
      loadConfig({ SECRETS_KEY: KEY, DNS_SERVERS: '1.1.1.1, 127.0.0.1:5353,::1,[2001:db8::1]:53' }).domainVerification.dnsServers,
    ).toEqual(['1.1.1.1', '127.0.0.1:5353', '::1', '[2001:db8::1]:53']);
  });

  it.each(['dns.example.com', '1.1.1.1:0', '1.1.1.1:70000', '1.1.1', '[::1]x', '1.1.1.1,,'])(
    'refuses DNS_SERVERS=%j naming the variable',
    (value) => {
      expect(() => loadConfig({ SECRETS_KEY: KEY, DNS_SERVERS: value })).toThrow(/^DNS_SERVERS: /);
    },
  );

  it('has the documented domain verification timings by default and refuses a retry maximum below the first retry', () => {
    const timings = loadConfig({ SECRETS_KEY: KEY }).domainVerification;
    expect(timings.pendingGiveUpMs).toBe(14 * 24 * 3600 * 1000);
    expect(timings.recheckMs).toBe(30 * 24 * 3600 * 1000);
    expect(timings.recordGraceMs).toBe(7 * 24 * 3600 * 1000);
    expect(() => loadConfig({ SECRETS_KEY: KEY, DOMAIN_PENDING_RETRY_FIRST_MS: '1000', DOMAIN_PENDING_RETRY_MAX_MS: '10' })).toThrow(
      /^DOMAIN_PENDING_RETRY_MAX_MS: /,
    );
  });

  it('names every bad variable at once, one line each, and writes no key for a refused configuration', () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'sso-config-')), 'data');
    let thrown: unknown;
    try {
      loadConfig({ DATA_DIR: dataDir, PORT: 'eighty', LOG_LEVEL: 'loud', TRUST_PROXY: 'true' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    const lines = (thrown as ConfigError).message.split('\n');
    expect(lines.map((line) => line.split(':')[0])).toEqual(['PORT', 'LOG_LEVEL', 'TRUST_PROXY']);
    expect((thrown as ConfigError).problems.map((problem) => problem.variable)).toEqual(['PORT', 'LOG_LEVEL', 'TRUST_PROXY']);
    expect(existsSync(join(dataDir, 'secrets.key'))).toBe(false);
    rmSync(dirname(dataDir), { recursive: true, force: true });
  });
});
