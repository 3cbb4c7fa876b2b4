import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { createTestDatabase, queryDatabase, type TestDatabase } from './support/database';
import { dataSourceOptions } from '../src/database/data-source-options';
import { MIGRATIONS } from '../src/migrations';
import { AccountsBelongToOneOrganization1795500000000 } from '../src/migrations/1795500000000-AccountsBelongToOneOrganization';

const SPLIT = MIGRATIONS.indexOf(AccountsBelongToOneOrganization1795500000000);

/** Runs the migrations up to (not including) index `upTo`, or all of them. */
async function migrate(url: string, upTo = MIGRATIONS.length): Promise<void> {
  const dataSource = new DataSource({ ...dataSourceOptions(url), migrations: MIGRATIONS.slice(0, upTo) });
  await dataSource.initialize();
  try {
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await dataSource.destroy();
  }
}

/** Reverts the migrations from the last one down to (and including) index `downTo`. */
async function revertTo(url: string, downTo: number): Promise<void> {
  const dataSource = new DataSource(dataSourceOptions(url));
  await dataSource.initialize();
  try {
    for (let i = MIGRATIONS.length; i > downTo; i--) await dataSource.undoLastMigration({ transaction: 'each' });
  } finally {
    await dataSource.destroy();
  }
}

type Row = Record<string, unknown>;

/**
 * Users in one (ann), two (bob) and three (cyd) organizations under the schema before accounts
 * belonged to one organization, each with identities, memberships with roles, sessions,
 * invitations, magic links and audit events in every organization; plus a user in none (orphan).
 */
async function fillOldSchema(url: string) {
  const q = (sql: string, params: unknown[] = []) => queryDatabase<Row>(url, sql, params);
  const org = async (slug: string) =>
    (await q(`INSERT INTO organizations (name, slug) VALUES ($1, $1) RETURNING id`, [slug]))[0].id as string;
  const orgs = { v: await org('v-org'), a: await org('a-org'), c: await org('c-org') };
  const connection = async (organizationId: string) =>
    (
      await q(
        `INSERT INTO connections (organization_id, name, type, client_id, client_secret_encrypted, client_secret_hint, issuer, authorization_url, token_url, jwks_url)
         VALUES ($1, 'idp', 'GENERIC_OIDC', 'client', 'sealed', 'cret', 'https://idp.example', 'https://idp.example/a', 'https://idp.example/t', 'https://idp.example/k') RETURNING id`,
        [organizationId],
      )
    )[0].id as string;
  const connections = { v: await connection(orgs.v), a: await connection(orgs.a), c: await connection(orgs.c) };
  const user = async (email: string, name: string) =>
    (await q(`INSERT INTO users (email, first_name, last_name) VALUES ($1, $2, 'Old') RETURNING id`, [email, name]))[0].id as string;
  const users = {
    ann: await user('ann@shared.example', 'Ann'),
    bob: await user('bob@shared.example', 'Bob'),
    cyd: await user('cyd@shared.example', 'Cyd'),
    orphan: await user('orphan@shared.example', 'Orphan'),
  };
  // Memberships with distinct creation times: the oldest decides who keeps the id (bob: v then a; cyd: c, v, a).
  const places: [keyof typeof users, keyof typeof orgs, string, string[]][] = [
    ['ann', 'v', '2026-01-01', ['admin']],
    ['bob', 'v', '2026-01-02', ['owner']],
    ['bob', 'a', '2026-02-01', ['viewer']],
    ['cyd', 'c', '2026-01-03', ['editor']],
    ['cyd', 'v', '2026-03-01', ['viewer']],
    ['cyd', 'a', '2026-04-01', ['admin']],
  ];
  for (const [who, where, at, roles] of places) {
    await q(`INSERT INTO memberships (organization_id, user_id, roles, roles_managed_manually, created_at) VALUES ($1, $2, $3, $4, $5)`, [
      orgs[where],
      users[who],
      roles,
      where === 'a',
      at,
    ]);
    await q(`INSERT INTO sso_identities (connection_id, subject, user_id, last_groups, created_at) VALUES ($1, $2, $3, '{g1}', $4)`, [
      connections[where],
      `${who}-sub`,
      users[who],
      at,
    ]);
    await q(`INSERT INTO sessions (organization_id, user_id, method, expires_at) VALUES ($1, $2, 'sso', now() + interval '1 hour')`, [
      orgs[where],
      users[who],
    ]);
    await q(`INSERT INTO invitations (organization_id, email, role, accepted_at) VALUES ($1, $2, 'editor', now())`, [
      orgs[where],
      `${who}@shared.example`,
    ]);
    await q(
      `INSERT INTO magic_links (organization_id, token_hash, email, return_to, expires_at) VALUES ($1, md5(random()::text), $2, 'https://app.example', now())`,
      [orgs[where], `${who}@shared.example`],
    );
    await q(`INSERT INTO audit_events (organization_id, actor, action, target_id) VALUES ($1, $2, 'user.provisioned', $3)`, [
      orgs[where],
      `user:${users[who]}`,
      users[who],
    ]);
  }
  // A dead session: bob was removed from nothing, but this one names an organization he never joined.
  await q(`INSERT INTO sessions (organization_id, user_id, method, expires_at) VALUES ($1, $2, 'sso', now())`, [orgs.c, users.bob]);
  return { orgs, users };
}

const SNAPSHOT: Record<string, string> = {
  memberships: 'SELECT id, organization_id, user_id, roles, roles_managed_manually, created_at FROM memberships ORDER BY id',
  identities:
    'SELECT i.id, c.organization_id, i.subject, i.user_id, i.last_groups FROM sso_identities i JOIN connections c ON c.id = i.connection_id ORDER BY i.id',
  sessions: 'SELECT id, organization_id, user_id, method FROM sessions ORDER BY id',
  invitations: 'SELECT * FROM invitations ORDER BY id',
  magicLinks: 'SELECT * FROM magic_links ORDER BY id',
  audit: 'SELECT id, organization_id, actor, action, target_id FROM audit_events ORDER BY id',
  users: 'SELECT id, email, first_name, last_name FROM users ORDER BY id',
};

async function snapshot(url: string): Promise<Record<string, Row[]>> {
  const entries = await Promise.all(
    Object.entries(SNAPSHOT).map(async ([name, sql]) => [name, await queryDatabase<Row>(url, sql)] as const),
  );
  return Object.fromEntries(entries);
}

describe('migration: accounts belong to one organization', () => {
  let database: TestDatabase;
  let filled: Awaited<ReturnType<typeof fillOldSchema>>;
  let before: Record<string, Row[]>;
  let after: Record<string, Row[]>;
  let accounts: { id: string; organization_id: string; email: string; first_name: string }[];

  beforeAll(async () => {
    database = await createTestDatabase();
    await migrate(database.url, SPLIT);
    filled = await fillOldSchema(database.url);
    before = await snapshot(database.url);
    await migrate(database.url);
    after = await snapshot(database.url);
    accounts = await queryDatabase(database.url, 'SELECT id, organization_id, email, first_name FROM users ORDER BY email, created_at');
  });

  afterAll(async () => {
    await database?.drop();
  });

  /** The account of a person (by their old id) in an organization, after the migration. */
  const accountOf = (oldUserId: string, organizationId: string) => {
    const email = before.users.find((user) => user.id === oldUserId)!.email;
    const matches = accounts.filter((account) => account.email === email && account.organization_id === organizationId);
    expect(matches).toHaveLength(1);
    return matches[0].id;
  };

  it('makes one account per organization: one for ann, two for bob, three for cyd; the orphan, in none, is gone', () => {
    const perEmail = (email: string) =>
      accounts
        .filter((account) => account.email === email)
        .map((account) => account.organization_id)
        .sort();
    const { v, a, c } = filled.orgs;
    expect(perEmail('ann@shared.example')).toEqual([v]);
    expect(perEmail('bob@shared.example')).toEqual([v, a].sort());
    expect(perEmail('cyd@shared.example')).toEqual([v, a, c].sort());
    expect(perEmail('orphan@shared.example')).toEqual([]);
    expect(new Set(accounts.map((account) => account.id)).size).toBe(accounts.length);
    // Names are copied to every account.
    expect(accounts.filter((account) => account.email === 'cyd@shared.example').every((account) => account.first_name === 'Cyd')).toBe(
      true,
    );
  });

  it('keeps the original id for the oldest organization of each person, and a new one elsewhere', () => {
    const { users, orgs } = filled;
    expect(accountOf(users.ann, orgs.v)).toBe(users.ann);
    expect(accountOf(users.bob, orgs.v)).toBe(users.bob);
    expect(accountOf(users.bob, orgs.a)).not.toBe(users.bob);
    expect(accountOf(users.cyd, orgs.c)).toBe(users.cyd);
    expect(accountOf(users.cyd, orgs.v)).not.toBe(users.cyd);
    expect(accountOf(users.cyd, orgs.a)).not.toBe(users.cyd);
  });

  it('accounts for every membership, identity, live session and audit event, row by row, moved to the account of its organization', () => {
    const moved = (row: Row, userColumn: string) => ({
      ...row,
      [userColumn]: accountOf(row[userColumn] as string, row.organization_id as string),
    });
    expect(after.memberships).toEqual(before.memberships.map((row) => moved(row, 'user_id')));
    expect(after.identities).toEqual(before.identities.map((row) => moved(row, 'user_id')));
    // The one session dropped is the dead one (an organization bob was never a member of).
    const live = before.sessions.filter((row) => !(row.organization_id === filled.orgs.c && row.user_id === filled.users.bob));
    expect(before.sessions.length - live.length).toBe(1);
    expect(after.sessions).toEqual(live.map((row) => moved(row, 'user_id')));
    expect(after.audit).toEqual(
      before.audit.map((row) => {
        const account = accountOf(row.target_id as string, row.organization_id as string);
        return { ...row, target_id: account, actor: `user:${account}` };
      }),
    );
  });

  it('leaves invitations and magic links (they name an email, not an account) exactly as they were', () => {
    expect(after.invitations).toEqual(before.invitations);
    expect(after.magicLinks).toEqual(before.magicLinks);
  });

  it('ends a member’s sessions when the membership is removed (the new foreign key)', async () => {
    const { users, orgs } = filled;
    const bobInA = accountOf(users.bob, orgs.a);
    await queryDatabase(database.url, 'DELETE FROM memberships WHERE organization_id = $1 AND user_id = $2', [orgs.a, bobInA]);
    expect(await queryDatabase(database.url, 'SELECT id FROM sessions WHERE user_id = $1', [bobInA])).toEqual([]);
    expect((await queryDatabase(database.url, 'SELECT id FROM sessions WHERE user_id = $1', [users.bob])).length).toBe(1);
  });

  it('reverts: one user per email again, with the original ids and every remaining row on it', async () => {
    await revertTo(database.url, SPLIT);
    const reverted = await snapshot(database.url);
    const { users } = filled;
    expect(reverted.users).toEqual(before.users.filter((user) => user.id !== users.orphan));
    // Bob's membership in A was removed above (and its session with it); everything else is back as before.
    const removed = (row: Row) => row.organization_id === filled.orgs.a && row.user_id === users.bob;
    const live = before.sessions.filter((row) => !(row.organization_id === filled.orgs.c && row.user_id === users.bob));
    expect(reverted.memberships).toEqual(before.memberships.filter((row) => !removed(row)));
    expect(reverted.sessions).toEqual(live.filter((row) => !removed(row)));
    expect(reverted.identities).toEqual(before.identities);
    expect(reverted.audit).toEqual(before.audit);
  });
});
