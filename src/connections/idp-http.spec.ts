import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import { IdpHttpClient, IdpRequestError, isAllowedIdpAddress, isLoopbackHost } from './idp-http';

describe(isAllowedIdpAddress.name, () => {
  it.each([
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    'fe80::1',
    'fd00::1',
    'fc00::1',
    '::ffff:169.254.169.254',
    '::ffff:10.0.0.1',
    '[::ffff:a9fe:a9fe]',
    '0.0.0.0',
    '::',
    '100.64.0.1',
    '224.0.0.1',
    'not-an-ip',
  ])('refuses %s in every mode', (address) => {
    expect(isAllowedIdpAddress(address, true)).toBe(false);
    expect(isAllowedIdpAddress(address, false)).toBe(false);
  });

  it.each(['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1'])(
    'allows loopback %s only when told to (outside production)',
    (address) => {
      expect(isAllowedIdpAddress(address, true)).toBe(true);
      expect(isAllowedIdpAddress(address, false)).toBe(false);
    },
  );

  it.each(['8.8.8.8', '20.190.128.1', '2606:4700::1111', '172.32.0.1'])('allows public %s', (address) =>
    expect(isAllowedIdpAddress(address, false)).toBe(true),
  );

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

  it('refuses private and metadata addresses outside production too, by address', async () => {
    const client = new IdpHttpClient({ production: false, idpTimeoutMs: 2000 });
    for (const url of [
      'http://169.254.169.254/latest/meta-data/',
      'http://10.0.0.1/',
      'http://[fd00::1]/',
      'http://[::ffff:169.254.169.254]/',
      'http://2852039166/',
    ]) {
      await expect(client.fetch(url)).rejects.toThrow(/could not be reached$/);
    }
    await client.close();
  });

  it('refuses hosts that resolve to internal addresses in production, by name and by address', async () => {
    const client = new IdpHttpClient({ production: true, idpTimeoutMs: 2000 });
    await expect(client.fetch(`http://localhost:${port}/ok`)).rejects.toThrow(`http://localhost:${port} could not be reached`);
    await expect(client.fetch(`http://127.0.0.1:${port}/ok`)).rejects.toThrow(/could not be reached$/);
    await expect(client.fetch('http://169.254.169.254/latest/meta-data/')).rejects.toThrow(/could not be reached$/);
    await client.close();
  });

  it('caps the response size and the time it waits', async () => {
    // Time enough for 2 MB on a busy machine: the size cap, not the clock, must stop it.
    const patient = new IdpHttpClient({ production: false, idpTimeoutMs: 5000 });
    const tooLarge = await patient.fetch(`http://127.0.0.1:${port}/huge`).catch((error: Error) => error);
    await patient.close();
    expect(tooLarge).toMatchObject({ message: expect.stringMatching(/could not be reached$/) });
    expect(String((tooLarge as Error).cause)).toMatch(/larger than/);
    const client = new IdpHttpClient({ production: false, idpTimeoutMs: 300 });
    const slow = await client.fetch(`http://127.0.0.1:${port}/slow`).catch((error: IdpRequestError) => error);
    expect(slow).toMatchObject({ message: `http://127.0.0.1:${port} could not be reached`, transport: { kind: 'timeout', afterMs: 300 } });
    await client.close();
  });

  it('keeps what the transport did for the sign-in page and the log, not in the message', async () => {
    const closed = createServer();
    await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
    const closedPort = (closed.address() as { port: number }).port;
    await new Promise<void>((done) => closed.close(() => done()));
    const client = new IdpHttpClient({ production: false, idpTimeoutMs: 2000 });
    const failure = await client.fetch(`http://127.0.0.1:${closedPort}/token`).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(IdpRequestError);
    expect(failure).toMatchObject({ message: `http://127.0.0.1:${closedPort} could not be reached`, transport: { kind: 'refused' } });
    await client.close();
  });
});
