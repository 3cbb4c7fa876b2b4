import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PLATFORM_KEY, startTestApp, type TestApp } from './support/app';
import { errorCode, graphql, graphqlOk } from './support/graphql';
import { queryDatabase, type TestDatabase } from './support/database';
import { startRogueIdp, type RogueIdp } from './support/rogue-idp';
import { startTestIdp } from './support/test-idp';
import { TestBrowser } from './support/browser';
import { eventually } from './support/eventually';
import { SecretExpiryMonitor } from '../src/connections/secret-expiry.monitor';
import { addVerifiedDomain } from './support/domains';
import { createApiKey, createConnection } from './support/fixtures';

const DAY = 24 * 3600 * 1000;
const BY_EXPIRY = `query($organizationId: ID, $withinDays: Int) {
  connectionsBySecretExpiry(organizationId: $organizationId, withinDays: $withinDays) { id organizationId secretStatus secretExpiresInDays }
}`;

describe('Client secret expiry', () => {
  let service: TestApp & { database: TestDatabase };
  let rogue: RogueIdp;
  let organizationId: string;
  let orgKey: string;
  const ids: Record<'ok' | 'soon' | 'expired' | 'unknown', string> = { ok: '', soon: '', expired: '', unknown: '' };

  const inDays = (days: number) => new Date(Date.now() + days * DAY + 60_000).toISOString();

  const expiringConnection = async (name: string, clientSecretExpiresAt?: string, organization = organizationId) =>
    (
      await createConnection(service.url, {
        organizationId: organization,
        name,
        type: 'GENERIC_OIDC',
        discoveryUrl: rogue.discoveryUrl,
        clientId: `app-${name}`,
        clientSecret: `secret-${name}`,
        clientSecretExpiresAt,
      })
    ).id;

  async function callbackOf(connectionId: string): Promise<Response> {
    const browser = new TestBrowser();
    const initiate = await browser.get(`${service.url}/sso/initiate/${connectionId}`);
    return browser.get(await rogue.signIn(initiate.headers.get('location')!), { accept: 'application/json' });
  }

  beforeAll(async () => {
    rogue = await startRogueIdp();
    rogue.behaviour.claims = { sub: 'sam', email: 'sam@expiry-test.com', email_verified: true };
    service = await startTestApp();
    ({
      createOrganization: { id: organizationId },
    } = await graphqlOk(service.url, PLATFORM_KEY, 'mutation { createOrganization(input: { name: "Expiry Test" }) { id } }'));
    await addVerifiedDomain(service.url, organizationId, 'expiry-test.com');
    orgKey = (await createApiKey(service.url, organizationId, ['admin'])).secret;
    ids.ok = await expiringConnection('ok', inDays(90));
    ids.soon = await expiringConnection('soon', inDays(10));
    ids.expired = await expiringConnection('expired', inDays(-2));
    ids.unknown = await expiringConnection('unknown');
  });

  afterAll(async () => {
    await service.close();
    await service.database.drop();
    await rogue.close();
  });

  it('gives every connection a secret status and the days left', async () => {
    const statuses = await Promise.all(
      Object.values(ids).map(
        async (id) =>
          (await graphqlOk(service.url, orgKey, 'query($id: ID!) { connection(id: $id) { secretStatus secretExpiresInDays } }', { id }))
            .connection,
      ),
    );
    expect(statuses).toEqual([
      { secretStatus: 'OK', secretExpiresInDays: 91 },
      { secretStatus: 'EXPIRING_SOON', secretExpiresInDays: 11 },
      { secretStatus: 'EXPIRED', secretExpiresInDays: -1 },
      { secretStatus: 'UNKNOWN', secretExpiresInDays: null },
    ]);
  });

  it('lists connections by days to expiry, within the caller’s organization', async () => {
    const own = (await graphqlOk(service.url, orgKey, BY_EXPIRY)).connectionsBySecretExpiry as { id: string }[];
    expect(own.map((connection) => connection.id)).toEqual([ids.expired, ids.soon, ids.ok, ids.unknown]);
    const soon = (await graphqlOk(service.url, orgKey, BY_EXPIRY, { organizationId, withinDays: 30 })).connectionsBySecretExpiry as {
      id: string;
    }[];
    expect(soon.map((connection) => connection.id)).toEqual([ids.expired, ids.soon]);

    const { createOrganization } = await graphqlOk(
      service.url,
      PLATFORM_KEY,
      'mutation { createOrganization(input: { name: "Expiry Other" }) { id } }',
    );
    const otherConnection = await expiringConnection('other', inDays(3), createOrganization.id);
    const otherKey = (await createApiKey(service.url, createOrganization.id, ['admin'])).secret;
    expect(errorCode(await graphql(service.url, otherKey, BY_EXPIRY, { organizationId }))).toBe('FORBIDDEN');
    const foreignOwn = (await graphqlOk(service.url, otherKey, BY_EXPIRY)).connectionsBySecretExpiry as { id: string }[];
    expect(foreignOwn.map((connection) => connection.id)).toEqual([otherConnection]);
    const everything = (await graphqlOk(service.url, PLATFORM_KEY, BY_EXPIRY, { withinDays: 30 })).connectionsBySecretExpiry as {
      id: string;
    }[];
    expect(everything.map((connection) => connection.id)).toEqual([ids.expired, otherConnection, ids.soon]);
    expect(errorCode(await graphql(service.url, orgKey, BY_EXPIRY, { withinDays: -1 }))).toBe('BAD_USER_INPUT');
  });

  it('warns once per connection at 30, 7 and 1 days before, and again after the secret is rotated', async () => {
    const monitor = service.app.get(SecretExpiryMonitor);
    const expiresAt = new Date(Date.now() + 60 * DAY);
    const id = await expiringConnection('watched', expiresAt.toISOString());
    const at = (daysBefore: number) => new Date(expiresAt.getTime() - daysBefore * DAY);
    const warningsAt = async (daysBefore: number) =>
      (await monitor.checkSecretExpiry(at(daysBefore)))
        .filter((warning) => warning.connectionId === id)
        .map((warning) => warning.threshold);

    expect(await warningsAt(45)).toEqual([]);
    expect(await warningsAt(30)).toEqual([30]);
    expect(await warningsAt(29)).toEqual([]);
    expect(await warningsAt(7)).toEqual([7]);
    expect(await warningsAt(7)).toEqual([]);
    expect(await warningsAt(1)).toEqual([1]);
    expect(await warningsAt(0.5)).toEqual([]);
    const audited = await queryDatabase<{ details: { threshold: number } }>(
      service.databaseUrl,
      `SELECT details FROM audit_events WHERE action = 'connection.secret_expiring' AND target_id = $1 ORDER BY at`,
      [id],
    );
    expect(audited.map((event) => event.details.threshold)).toEqual([30, 7, 1]);

    // Two instances checking at once: one warning.
    const rotated = new Date(Date.now() + 20 * DAY);
    await graphqlOk(
      service.url,
      orgKey,
      'mutation($id: ID!, $input: UpdateConnectionInput!) { updateConnection(id: $id, input: $input) { id } }',
      {
        id,
        input: { clientSecret: 'a-new-secret', clientSecretExpiresAt: rotated.toISOString() },
      },
    );
    const concurrent = await Promise.all([monitor.checkSecretExpiry(new Date()), monitor.checkSecretExpiry(new Date())]);
    expect(
      concurrent
        .flat()
        .filter((warning) => warning.connectionId === id)
        .map((warning) => warning.threshold),
    ).toEqual([30]);
  });

  it('does not warn again when the same expiry date is saved again, and does when it changes', async () => {
    const monitor = service.app.get(SecretExpiryMonitor);
    const expiresAt = inDays(20);
    const id = await expiringConnection('resaved', expiresAt);
    const warnedNow = async () =>
      (await monitor.checkSecretExpiry(new Date())).filter((warning) => warning.connectionId === id).map((warning) => warning.threshold);
    const update = (input: Record<string, unknown>) =>
      graphqlOk(
        service.url,
        orgKey,
        'mutation($id: ID!, $input: UpdateConnectionInput!) { updateConnection(id: $id, input: $input) { id } }',
        { id, input },
      );

    expect(await warnedNow()).toEqual([30]);
    await update({ name: 'resaved, renamed', clientSecretExpiresAt: expiresAt });
    expect(await warnedNow()).toEqual([]);
    await update({ clientSecretExpiresAt: inDays(21) });
    expect(await warnedNow()).toEqual([30]);
  });

  it('leaves secrets that expired long ago alone: they were warned about as they neared the date', async () => {
    const monitor = service.app.get(SecretExpiryMonitor);
    const longAgo = await expiringConnection('long-expired', inDays(-30));
    const lately = await expiringConnection('lately-expired', inDays(-3));
    const warned = (await monitor.checkSecretExpiry(new Date())).map((warning) => warning.connectionId);
    expect(warned).toContain(lately);
    expect(warned).not.toContain(longAgo);
  });

  it('goes on past a connection whose warning fails', async () => {
    const monitor = service.app.get(SecretExpiryMonitor);
    const failing = await expiringConnection('failing', inDays(2));
    const next = await expiringConnection('next', inDays(4));
    // A failure injected in PostgreSQL: the warning's conditional UPDATE of this one row raises.
    await queryDatabase(
      service.databaseUrl,
      `CREATE FUNCTION refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$;
       CREATE TRIGGER refuse_update BEFORE UPDATE ON connections FOR EACH ROW WHEN (OLD.id = '${failing}') EXECUTE FUNCTION refuse_update();`,
    );
    try {
      const warned = (await monitor.checkSecretExpiry(new Date())).map((warning) => warning.connectionId);
      expect(warned).toContain(next);
      expect(warned).not.toContain(failing);
    } finally {
      await queryDatabase(service.databaseUrl, 'DROP TRIGGER refuse_update ON connections; DROP FUNCTION refuse_update()');
    }
    expect((await monitor.checkSecretExpiry(new Date())).map((warning) => warning.connectionId)).toEqual([failing]);
  });

  it('runs at the top of every hour, with the time of the run', async () => {
    const id = await expiringConnection('scheduled', inDays(3));
    const monitor = service.app.get(SecretExpiryMonitor);
    const nextRun = monitor.schedule.nextRunAt()!;
    expect(nextRun.getTime() % 3_600_000).toBe(0);
    expect(nextRun.getTime() - Date.now()).toBeLessThanOrEqual(3_600_000);
    void monitor.checkHourly();
    await eventually(
      async () => {
        const audited = await queryDatabase<{ details: { threshold: number } }>(
          service.databaseUrl,
          `SELECT details FROM audit_events WHERE action = 'connection.secret_expiring' AND target_id = $1`,
          [id],
        );
        expect(audited.map((event) => event.details.threshold)).toEqual([7]);
      },
      { timeoutMs: 10_000 },
    );
  });

  it('forgets the old expiry date when a new secret comes without one', async () => {
    const id = await expiringConnection('rotating', inDays(5));
    const { updateConnection } = await graphqlOk(
      service.url,
      orgKey,
      'mutation($id: ID!) { updateConnection(id: $id, input: { clientSecret: "rotated-secret" }) { clientSecretHint clientSecretExpiresAt secretStatus } }',
      { id },
    );
    expect(updateConnection).toEqual({ clientSecretHint: 'cret', clientSecretExpiresAt: null, secretStatus: 'UNKNOWN' });
  });

  it('says the client secret has probably expired when the IdP answers invalid_client after the expiry date', async () => {
    rogue.behaviour.tokenError = { status: 401, body: { error: 'invalid_client' } };
    try {
      const expired = await callbackOf(ids.expired);
      expect(expired.status).toBe(424);
      const body = (await expired.json()) as { error: string; hint?: string; correlationId: string };
      expect(body.error).toBe('token_exchange_failed');
      expect(body.hint).toMatch(/client secret has probably expired/);
      const [attempt] = await queryDatabase<{ reason: string }>(
        service.databaseUrl,
        'SELECT reason FROM login_attempts WHERE correlation_id = $1',
        [body.correlationId],
      );
      expect(attempt.reason).toMatch(/client secret has probably expired/);

      const current = await callbackOf(ids.ok);
      const currentBody = (await current.json()) as { error: string; hint?: string };
      expect(currentBody.error).toBe('token_exchange_failed');
      // Not the expiry, but the client authentication the IdP refused.
      expect(currentBody.hint).not.toMatch(/expired/);
      expect(currentBody.hint).toMatch(/refused the client \(invalid_client\) authenticated with client_secret_basic/);
    } finally {
      rogue.behaviour.tokenError = undefined;
    }
  });

  it('rotates a secret in one step: logins use the old one until the new one is saved, then the new one at once', async () => {
    const idp = await startTestIdp({ accounts: [{ sub: 'rita', email: 'rita@expiry-test.com', email_verified: true }] });
    try {
      const connection = await createConnection(
        service.url,
        { organizationId, type: 'GENERIC_OIDC', discoveryUrl: idp.discoveryUrl, clientId: 'rotating-app', clientSecret: 'old-secret-1111' },
        orgKey,
      );
      const register = (clientSecret: string) =>
        idp.registerClient({ clientId: 'rotating-app', clientSecret, redirectUris: [connection.redirectUri] });
      const login = async () => {
        const browser = new TestBrowser();
        const initiate = await browser.get(`${service.url}/sso/initiate/${connection.id}`);
        const callbackUrl = await idp.signIn(initiate.headers.get('location')!, 'rita');
        return { finish: () => browser.get(callbackUrl, { accept: 'application/json' }) };
      };
      register('old-secret-1111');
      expect((await (await login()).finish()).status).toBe(302);

      // A login under way while the IdP already has the new secret and the service not yet: it fails...
      register('new-secret-2222');
      const early = await login();
      expect((await early.finish()).status).toBe(424);
      // ...and one finishing after the update uses the new secret, on this instance's cached client too.
      const during = await login();
      const { updateConnection } = await graphqlOk(
        service.url,
        orgKey,
        'mutation($id: ID!) { updateConnection(id: $id, input: { clientSecret: "new-secret-2222" }) { clientSecretHint } }',
        { id: connection.id },
      );
      expect(updateConnection.clientSecretHint).toBe('2222');
      expect((await during.finish()).status).toBe(302);
    } finally {
      await idp.close();
    }
  });
});
