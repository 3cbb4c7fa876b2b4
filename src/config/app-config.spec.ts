import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
    expect(config.databaseUrl).toBeUndefined();
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
  });

  it.each([
    [{ PORT: '70000' }, 'PORT'],
    [{ SECRETS_KEY: Buffer.alloc(16).toString('base64') }, 'SECRETS_KEY'],
    [{ NODE_ENV: 'production', PUBLIC_URL: 'https://sso.example.com' }, 'SECRETS_KEY'],
    [{ NODE_ENV: 'production', SECRETS_KEY: KEY, PUBLIC_URL: 'http://sso.example.com' }, 'PUBLIC_URL'],
    [{ SECRETS_KEY: KEY, MIGRATIONS_RUN: 'maybe' }, 'MIGRATIONS_RUN'],
    [{ SECRETS_KEY: KEY, SECRETS_KEY_PREVIOUS: `${KEY},not-a-key` }, 'SECRETS_KEY_PREVIOUS'],
    [{ SECRETS_KEY: KEY, ENTRA_AUTHORITY: 'ftp://login' }, 'ENTRA_AUTHORITY'],
    [{ SECRETS_KEY: KEY, BOOTSTRAP_ADMIN_API_KEY: 'short' }, 'BOOTSTRAP_ADMIN_API_KEY'],
    [{ SECRETS_KEY: KEY, LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
  ])('refuses %j naming %s', (env, variable) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(`^${variable}: `));
  });
});
