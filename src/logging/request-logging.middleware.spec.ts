import { describe, expect, it } from '@jest/globals';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createLogger } from './logger';
import { noteRequestFailure, RequestLoggingMiddleware, type RequestFailure } from './request-logging.middleware';

async function requestThrough(
  level: string,
  path: string,
  status: number,
  headers: Record<string, string> = {},
  failure?: RequestFailure,
  mountedAt?: string,
): Promise<{ lines: Record<string, any>[]; requestId: string | null; seenId?: string }> {
  const lines: Record<string, any>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const middleware = new RequestLoggingMiddleware(createLogger(level, false, sink));
  let seenId: string | undefined;
  const server = createServer((req, res) =>
    middleware.use(req, res, () => {
      seenId = req.id;
      if (failure) noteRequestFailure(res, failure);
      // What Express does for a handler mounted with app.use(path, …): the URL loses the mount path.
      if (mountedAt && req.url?.startsWith(mountedAt)) req.url = req.url.slice(mountedAt.length) || '/';
      res.writeHead(status).end();
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`, { headers });
    await response.text();
    await new Promise((resolve) => setTimeout(resolve, 20));
    return { lines, requestId: response.headers.get('x-request-id'), seenId };
  } finally {
    server.close();
  }
}

describe(RequestLoggingMiddleware.name, () => {
  it('logs one line per request with the request id, status and a redacted URL', async () => {
    const { lines, requestId } = await requestThrough('info', '/sso/callback/x?code=SECRET&state=S2', 302);
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 30,
      msg: 'request completed',
      req: { id: requestId, method: 'GET' },
      res: { statusCode: 302 },
    });
    expect(lines[0].req.url).not.toContain('SECRET');
  });

  it('keeps its own id as the request’s reference and logs a caller’s X-Request-Id beside it', async () => {
    const { lines, requestId, seenId } = await requestThrough('info', '/sso/initiate/x', 302, { 'x-request-id': 'chosen-by-caller' });
    expect(seenId).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestId).toBe('chosen-by-caller');
    expect(lines[0].req).toMatchObject({ id: seenId, clientRequestId: 'chosen-by-caller' });
  });

  it('logs the path the client asked for, not the rest a mounted handler (GraphQL) sees', async () => {
    const { lines } = await requestThrough('info', '/graphql', 200, {}, undefined, '/graphql');
    expect(lines[0].req.url).toBe('/graphql');
  });

  it('at LOG_LEVEL=warn writes client and server errors only', async () => {
    expect((await requestThrough('warn', '/auth/me', 200)).lines).toHaveLength(0);
    expect((await requestThrough('warn', '/auth/me', 401)).lines[0]).toMatchObject({ level: 40, res: { statusCode: 401 } });
    expect((await requestThrough('warn', '/x', 500)).lines[0]).toMatchObject({ level: 50, msg: 'request errored' });
  });

  it('puts a noted failure’s cause into the request’s one line, at the higher of the two levels', async () => {
    const outage = await requestThrough(
      'info',
      '/auth/me',
      503,
      {},
      { level: 'warn', cause: 'database unavailable: connection refused (ECONNREFUSED)' },
    );
    expect(outage.lines).toHaveLength(1);
    expect(outage.lines[0]).toMatchObject({
      level: 50,
      res: { statusCode: 503 },
      cause: 'database unavailable: connection refused (ECONNREFUSED)',
    });
    const graphql = await requestThrough(
      'info',
      '/graphql',
      200,
      {},
      { level: 'error', cause: 'unexpected error', err: new Error('boom') },
    );
    expect(graphql.lines).toHaveLength(1);
    expect(graphql.lines[0]).toMatchObject({ level: 50, cause: 'unexpected error', err: { message: 'boom' } });
  });
});
