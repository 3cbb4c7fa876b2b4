import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server, type Socket } from 'node:net';
import { PLATFORM_KEY, startTestApp, type TestApp } from './support/app';
import { graphql, graphqlOk } from './support/graphql';
import type { TestDatabase } from './support/database';

const CREATE_CONNECTION = 'mutation($input: CreateConnectionInput!) { createConnection(input: $input) { id } }';

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

/** Outbound requests to identity providers never reach the service's own network (SSRF). */
describe('IdP address guard', () => {
  let development: TestApp & { database: TestDatabase };
  let production: TestApp & { database: TestDatabase };
  let banner: Server;
  let bannerPort: number;
  const bannerSockets = new Set<Socket>();
  let closedPort: number;

  async function discoveryError(service: TestApp, discoveryUrl: string): Promise<{ code?: string; message?: string }> {
    const { createOrganization } = await graphqlOk(
      service.url,
      PLATFORM_KEY,
      'mutation { createOrganization(input: { name: "Probe" }) { id } }',
    );
    const result = await graphql(service.url, PLATFORM_KEY, CREATE_CONNECTION, {
      input: { organizationId: createOrganization.id, type: 'GENERIC_OIDC', discoveryUrl, clientId: 'c', clientSecret: 's' },
    });
    return { code: result.errors?.[0].extensions?.code, message: result.errors?.[0].message };
  }

  beforeAll(async () => {
    // An open port that is not an IdP: it sends a banner and hangs up, as an SSH or Redis server might.
    banner = createServer((socket) => {
      bannerSockets.add(socket);
      socket.on('close', () => bannerSockets.delete(socket));
      socket.end('SSH-2.0-OpenSSH_9.6 internal-banner-text\r\n');
    });
    bannerPort = await listen(banner);
    const closed = createServer();
    closedPort = await listen(closed);
    await new Promise((resolve) => closed.close(resolve));
    development = await startTestApp({ env: { IDP_TIMEOUT_MS: '1500' } });
    production = await startTestApp({ env: { IDP_TIMEOUT_MS: '1500', NODE_ENV: 'production', PUBLIC_URL: 'https://sso.example.com' } });
  });

  afterAll(async () => {
    await development.close();
    await development.database.drop();
    await production.close();
    await production.database.drop();
    for (const socket of bannerSockets) socket.destroy();
    await new Promise((resolve) => banner.close(resolve));
  });

  it('refuses private, link-local, metadata, CGNAT and unique-local addresses outside production', async () => {
    const internal = [
      'https://169.254.169.254/.well-known/openid-configuration',
      'https://10.0.0.1/.well-known/openid-configuration',
      'https://172.16.5.4/.well-known/openid-configuration',
      'https://192.168.1.1/.well-known/openid-configuration',
      'https://100.64.0.1/.well-known/openid-configuration',
      'https://[fd00::1]/.well-known/openid-configuration',
      'https://[fe80::1]/.well-known/openid-configuration',
      'https://[::ffff:169.254.169.254]/.well-known/openid-configuration',
      'https://2852039166/.well-known/openid-configuration',
    ];
    for (const url of internal) {
      expect({ url, ...(await discoveryError(development, url)) }).toEqual({
        url,
        code: 'BAD_USER_INPUT',
        message: 'discoveryUrl: could not be reached',
      });
    }
  });

  it('answers a closed port and an open non-IdP port with the same words, echoing nothing the far end sent', async () => {
    const closed = await discoveryError(development, `http://127.0.0.1:${closedPort}/.well-known/openid-configuration`);
    const open = await discoveryError(development, `http://127.0.0.1:${bannerPort}/.well-known/openid-configuration`);
    expect(closed).toEqual({ code: 'BAD_USER_INPUT', message: 'discoveryUrl: could not be reached' });
    expect(open).toEqual(closed);
  });

  it('in production refuses loopback too, checked on the address a host name resolves to', async () => {
    // `localhost` is a name: only the DNS answer (127.0.0.1 / ::1) shows it is loopback.
    expect(await discoveryError(production, `https://localhost:${bannerPort}/.well-known/openid-configuration`)).toEqual({
      code: 'BAD_USER_INPUT',
      message: 'discoveryUrl: could not be reached',
    });
    expect(await discoveryError(production, 'https://[::ffff:127.0.0.1]/.well-known/openid-configuration')).toEqual({
      code: 'BAD_USER_INPUT',
      message: 'discoveryUrl: could not be reached',
    });
  });
});
