import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import { IdpHttpClient, isInternalAddress, isLoopbackHost } from './idp-http';

describe(isInternalAddress.name, () => {
  it.each(['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '::1', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '0.0.0.0', '100.64.0.1'])(
    'treats %s as internal',
    (address) => expect(isInternalAddress(address)).toBe(true),
  );

  it.each(['8.8.8.8', '20.190.128.1', '2606:4700::1111'])('treats %s as public', (address) => expect(isInternalAddress(address)).toBe(false));

  it('knows loopback hosts', () => {
    expect(isLoopbackHost('localhost')).toBe(true);
    expect(isLoopbackHost('127.0.0.5')).toBe(true);
    expect(isLoopbackHost('[::1]')).toBe(true);
    expect(isLoopbackHost('example.com')).toBe(false);
  });
});

describe(IdpHttpClient.name, () => {
  let server: Server;
  let port: number;

  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url === '/huge') {
        response.end('x'.repeat(2 * 1024 * 1024));
      } else if (request.url === '/slow') {
        setTimeout(() => response.end('{}'), 1000);
      } else {
        response.setHeader('content-type', 'application/json');
        response.end('{"ok":true}');
      }
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    port = (server.address() as { port: number }).port;
  });

  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('fetches from loopback outside production', async () => {
    const client = new IdpHttpClient({ production: false, idpTimeoutMs: 2000 });
    const response = await client.fetch(`http://localhost:${port}/ok`);
    expect(await response.json()).toEqual({ ok: true });
    await client.close();
  });

  it('refuses hosts that resolve to internal addresses in production, by name and by address', async () => {
    const client = new IdpHttpClient({ production: true, idpTimeoutMs: 2000 });
    await expect(client.fetch(`http://localhost:${port}/ok`)).rejects.toThrow();
    await expect(client.fetch(`http://127.0.0.1:${port}/ok`)).rejects.toThrow(/internal address/);
    await expect(client.fetch('http://169.254.169.254/latest/meta-data/')).rejects.toThrow(/internal address/);
    await client.close();
  });

  it('caps the response size and the time it waits', async () => {
    const client = new IdpHttpClient({ production: false, idpTimeoutMs: 300 });
    await expect(client.fetch(`http://127.0.0.1:${port}/huge`)).rejects.toThrow(/larger than/);
    await expect(client.fetch(`http://127.0.0.1:${port}/slow`)).rejects.toThrow();
    await client.close();
  });
});
