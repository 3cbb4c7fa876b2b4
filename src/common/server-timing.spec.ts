import { describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { recordServerTiming, serverTiming } from './server-timing';

async function serve(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => serverTiming(request, response, () => handler!(request, response)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe(serverTiming.name, () => {
  it('reports the time until the status line is written, also for implicit headers and redirects', async () => {
    const { server, url } = await serve((request, response) => {
      if (request.url === '/slow') {
        setTimeout(() => {
          response.statusCode = 302;
          response.setHeader('Location', '/');
          response.end();
        }, 30);
      } else if (request.url === '/idp') {
        recordServerTiming(response, 'idp', 1.5);
        recordServerTiming(response, 'idp', 2);
        response.end();
      } else {
        response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      }
    });
    try {
      const fast = await fetch(`${url}/`);
      expect(fast.headers.get('server-timing')).toMatch(/^app;dur=\d+\.\d{2}$/);
      expect(fast.headers.get('content-type')).toBe('text/plain');
      const slow = await fetch(`${url}/slow`, { redirect: 'manual' });
      expect(slow.status).toBe(302);
      const duration = Number(/dur=([\d.]+)/.exec(slow.headers.get('server-timing') ?? '')?.[1]);
      expect(duration).toBeGreaterThanOrEqual(25);
      const withIdp = await fetch(`${url}/idp`);
      expect(withIdp.headers.get('server-timing')).toMatch(/^app;dur=\d+\.\d{2}, idp;dur=3\.50$/);
    } finally {
      server.close();
    }
  });
});
