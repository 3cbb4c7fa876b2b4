import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { load } from 'js-yaml';
import { loadConfig } from '../src/config/app-config';

interface ComposeService {
  image?: string;
  build?: unknown;
  environment?: Record<string, string>;
  ports?: string[];
  networks?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}

interface ComposeFile {
  services: Record<string, ComposeService>;
  networks?: Record<string, { ipam?: { config?: { subnet: string }[] } }>;
  volumes?: Record<string, unknown>;
}

/** What `docker compose` would use for `${VAR:-default}` with nothing set. */
function withDefaults(value: string): string {
  return value.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');
}

// The machines have no Docker daemon or compose plugin: the file is checked by parsing it.
describe('docker-compose.yml', () => {
  const compose = load(readFileSync('docker-compose.yml', 'utf8')) as ComposeFile;

  it('runs the service built here beside PostgreSQL, waiting until the database is healthy', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['postgres', 'sso']);
    expect(compose.services.postgres.image).toMatch(/^postgres:\d+/);
    expect(compose.services.sso.build).toBe('.');
    expect(compose.services.sso.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(compose.services.sso.healthcheck?.test.join(' ')).toContain('/health/ready');
    expect(compose.volumes).toHaveProperty('postgres-data');
  });

  it('sets what production needs, with a configuration the service accepts', () => {
    const environment = compose.services.sso.environment ?? {};
    expect(Object.keys(environment)).toEqual(
      expect.arrayContaining(['NODE_ENV', 'DATABASE_URL', 'PUBLIC_URL', 'SECRETS_KEY', 'TRUST_PROXY']),
    );
    expect(environment.NODE_ENV).toBe('production');
    expect(environment.SECRETS_KEY).toMatch(/^\$\{SECRETS_KEY:\?/);
    expect(withDefaults(environment.DATABASE_URL)).toMatch(/^postgres:\/\/sso:[^@]+@postgres:5432\/sso$/);
    const env = Object.fromEntries(Object.entries(environment).map(([name, value]) => [name, withDefaults(value)]));
    const config = loadConfig({ ...env, SECRETS_KEY: Buffer.alloc(32, 1).toString('base64') });
    expect(config.publicUrl).toMatch(/^https:\/\//);
    expect(config.databaseUrl).toBeDefined();
  });

  it('trusts X-Forwarded-For from its own network only, and publishes the port on loopback for the TLS proxy', () => {
    const subnet = compose.networks?.sso.ipam?.config?.[0].subnet;
    expect(subnet).toMatch(/^\d+\.\d+\.\d+\.\d+\/\d+$/);
    expect(compose.services.sso.networks).toEqual(['sso']);
    expect(compose.services.postgres.networks).toEqual(['sso']);
    expect(withDefaults(compose.services.sso.environment!.TRUST_PROXY)).toBe(subnet);
    expect(compose.services.sso.ports).toEqual(['127.0.0.1:3000:3000']);
  });
});
