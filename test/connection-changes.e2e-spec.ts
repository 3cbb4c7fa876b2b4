import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from 'pg';
import { PLATFORM_KEY, startTestApp, type TestApp } from './support/app';
import type { TestDatabase } from './support/database';
import { queryDatabase } from './support/database';
import { eventually } from './support/eventually';
import { graphqlOk } from './support/graphql';
import { startRogueIdp, type RogueIdp } from './support/rogue-idp';
import { createSsoOrganization, signInThroughRogue, type SsoOrganization } from './support/sso-fixture';
import { recordStatements, type StatementRecorder } from './support/statements';

const READS_A_CONNECTION = /FROM "connections"/;

/**
 * Logins read their connection from memory on each instance, and every instance forgets it when
 * a change commits: through the service (at once on its own instance) or by hand in SQL.
 */
describe('connections as logins read them', () => {
  let first: TestApp & { database: TestDatabase };
  let second: TestApp;
  let rogue: RogueIdp;
  let org: SsoOrganization;
  let statementsOnSecond: StatementRecorder;

  beforeAll(async () => {
    rogue = await startRogueIdp();
    first = await startTestApp();
    second = await startTestApp({ database: first.database });
    org = await createSsoOrganization(first.url, rogue);
    statementsOnSecond = recordStatements(second.app);
  });

  afterAll(async () => {
    await second?.close();
    await first?.close();
    await first?.database.drop();
    await rogue?.close();
  });

  const initiate = (instance: TestApp, id = org.connectionId) =>
    fetch(`${instance.url}/sso/initiate/${id}`, { redirect: 'manual', headers: { accept: 'application/json' } });

  const setState = (state: 'ACTIVE' | 'INACTIVE') =>
    graphqlOk(
      first.url,
      PLATFORM_KEY,
      'mutation($id: ID!, $input: UpdateConnectionInput!) { updateConnection(id: $id, input: $input) { state } }',
      {
        id: org.connectionId,
        input: { state },
      },
    );

  it('reads the connection once per instance, then not for initiates or whole logins', async () => {
    // The first sign-in verifies the connection: a change that is forgotten like any other.
    expect((await signInThroughRogue(second.url, rogue, org.connectionId, `ann@${org.domain}`)).response.status).toBe(302);
    await eventually(
      async () => {
        const sent = await statementsOnSecond.during(async () => {
          expect((await initiate(second)).status).toBe(302);
          expect((await signInThroughRogue(second.url, rogue, org.connectionId, `ann@${org.domain}`)).response.status).toBe(302);
        });
        expect(sent.filter((statement) => READS_A_CONNECTION.test(statement))).toEqual([]);
      },
      { timeoutMs: 3_000 },
    );
  });

  it('stops logins on every instance when the connection is switched off on one', async () => {
    expect((await initiate(first)).status).toBe(302);
    expect((await initiate(second)).status).toBe(302);
    await setState('INACTIVE');
    // On the instance that made the change, at once.
    const here = await initiate(first);
    expect(here.status).toBe(403);
    expect(await here.json()).toMatchObject({ error: 'connection_inactive' });
    await eventually(
      async () => {
        const there = await initiate(second);
        expect(there.status).toBe(403);
        expect(await there.json()).toMatchObject({ error: 'connection_inactive' });
      },
      { timeoutMs: 3_000 },
    );
    await setState('ACTIVE');
    expect((await initiate(first)).status).toBe(302);
    await eventually(async () => expect((await initiate(second)).status).toBe(302), { timeoutMs: 3_000 });
  });

  it('forgets the connection whatever the case its id came in', async () => {
    const upperCase = org.connectionId.toUpperCase();
    expect((await initiate(second, upperCase)).status).toBe(302);
    await setState('INACTIVE');
    await eventually(async () => expect((await initiate(second, upperCase)).status).toBe(403), { timeoutMs: 3_000 });
    await setState('ACTIVE');
    await eventually(async () => expect((await initiate(second, upperCase)).status).toBe(302), { timeoutMs: 3_000 });
  });

  it('forgets a connection changed by hand in SQL', async () => {
    const scopeOf = async () => new URL((await initiate(second)).headers.get('location')!).searchParams.get('scope');
    expect(await scopeOf()).toBe('openid email profile');
    await queryDatabase(first.databaseUrl, "UPDATE connections SET scopes = '{openid,email}' WHERE id = $1", [org.connectionId]);
    await eventually(async () => expect(await scopeOf()).toBe('openid email'), { timeoutMs: 3_000 });
  });

  it('notifies a change to anything a login reads, and not the login bookkeeping', async () => {
    const other = await createSsoOrganization(first.url, rogue);
    const listener = new Client({ connectionString: first.databaseUrl });
    await listener.connect();
    const heard: string[] = [];
    listener.on('notification', (message) => heard.push(message.payload ?? ''));
    try {
      await listener.query('LISTEN connection_changed');
      // Delivered in commit order: the bookkeeping of the one comes before the rename of the other.
      await queryDatabase(first.databaseUrl, 'UPDATE connections SET last_login_at = now(), updated_at = now() WHERE id = $1', [
        org.connectionId,
      ]);
      await queryDatabase(first.databaseUrl, "UPDATE connections SET name = 'Renamed' WHERE id = $1", [other.connectionId]);
      await eventually(() => expect(heard).toEqual([other.connectionId]), { timeoutMs: 3_000 });
    } finally {
      await listener.end();
    }
  });
});
