import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:net';
import { startTestApp, type TestApp } from '../support/app';
import { queryDatabase, type TestDatabase } from '../support/database';
import { startRogueIdp, type RogueIdp } from '../support/rogue-idp';
import { createSsoOrganization, signInThroughRogue, type SsoOrganization } from '../support/sso-fixture';
import { assertConsistent } from './consistency';
import { eventually } from '../support/eventually';

const IDP_TIMEOUT_MS = 1000;

interface LogRecord {
  level: number;
  req?: { id: string };
  cause?: string;
}

/** A port on 127.0.0.1 where nothing listens: connecting there is refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

describe('an identity provider that is slow, or refuses connections', () => {
  let service: TestApp & { database: TestDatabase };
  let rogue: RogueIdp;
  let slowOrg: SsoOrganization;
  let deadOrg: SsoOrganization;
  const logLines: string[] = [];

  const linesOf = (response: Response) =>
    logLines.map((line) => JSON.parse(line) as LogRecord).filter((record) => record.req?.id === response.headers.get('x-request-id'));

  beforeAll(async () => {
    rogue = await startRogueIdp();
    service = await startTestApp({ logLines, env: { IDP_TIMEOUT_MS: String(IDP_TIMEOUT_MS), LOG_LEVEL: 'info' } });
    slowOrg = await createSsoOrganization(service.url, rogue);
    // The same IdP, but its token endpoint on a port where nothing listens.
    deadOrg = await createSsoOrganization(service.url, rogue, {
      issuer: rogue.issuer,
      authorizationUrl: rogue.authorizationUrl,
      tokenUrl: `http://127.0.0.1:${await closedPort()}/token`,
      jwksUrl: rogue.jwksUrl,
    });
  });

  afterAll(async () => {
    await service?.close();
    await rogue?.close();
    await service?.database.drop();
  });

  it('gives up on a slow token endpoint after IDP_TIMEOUT_MS and says it timed out, not that the credentials are wrong', async () => {
    rogue.behaviour.tokenDelayMs = 3 * IDP_TIMEOUT_MS;
    try {
      const started = Date.now();
      const { response, token } = await signInThroughRogue(service.url, rogue, slowOrg.connectionId, `ann@${slowOrg.domain}`, 'text/html');
      expect(Date.now() - started).toBeLessThan(3 * IDP_TIMEOUT_MS);
      expect({ status: response.status, token }).toEqual({ status: 424, token: undefined });
      const page = await response.text();
      expect(page).toContain('Your identity provider did not answer in time');
      expect(page).toContain('within 1 seconds');
      expect(page).not.toMatch(/credentials/);
      const lines = linesOf(response);
      expect(lines).toHaveLength(1);
      expect(lines[0].cause).toMatch(/token_exchange_failed .*timed out after 1000 ms/);
      expect(lines[0].cause).not.toMatch(/\(23\)/);
    } finally {
      rogue.behaviour.tokenDelayMs = undefined;
    }
  }, 30_000);

  it('names a refused connection to the token endpoint', async () => {
    const { response, token } = await signInThroughRogue(service.url, rogue, deadOrg.connectionId, `ben@${deadOrg.domain}`);
    expect({ status: response.status, token }).toEqual({ status: 424, token: undefined });
    const body = (await response.json()) as { error: string; message: string };
    expect(body).toMatchObject({ error: 'token_exchange_failed', message: 'Your identity provider could not be reached' });
    expect(linesOf(response)[0].cause).toMatch(/could not be reached \(connection refused\)/);
  }, 30_000);

  it('signs in again once the IdP answers, and leaves no half-made account behind', async () => {
    const { response, token } = await signInThroughRogue(service.url, rogue, slowOrg.connectionId, `ann@${slowOrg.domain}`);
    expect(response.status).toBe(302);
    // The success is written just after its response.
    await eventually(async () => {
      const attempts = await queryDatabase<{ error_code: string | null }>(
        service.databaseUrl,
        'SELECT error_code FROM login_attempts WHERE connection_id = ANY($1) ORDER BY at',
        [[slowOrg.connectionId, deadOrg.connectionId]],
      );
      expect(attempts.map((attempt) => attempt.error_code)).toEqual(['token_exchange_failed', 'token_exchange_failed', null]);
    });
    await assertConsistent(service.databaseUrl, service.url, [{ token: token!, loggedOut: false }]);
    const users = await queryDatabase<{ email: string }>(service.databaseUrl, 'SELECT email FROM users ORDER BY email');
    expect(users.map((user) => user.email)).toEqual([`ann@${slowOrg.domain}`]);
  }, 30_000);
});
