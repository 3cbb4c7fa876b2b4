import { expect } from '@jest/globals';
import { queryDatabase } from '../support/database';

/**
 * What a fault must never leave behind: a user, identity or session without the membership it
 * belongs to (a half-written login), and a session handed out that does not resolve.
 */
export async function assertConsistent(
  databaseUrl: string,
  serviceUrl: string,
  handedOut: { token: string; loggedOut: boolean }[],
): Promise<void> {
  const orphans = await queryDatabase<{ kind: string; id: string }>(
    databaseUrl,
    `SELECT 'user without membership' AS kind, u.id::text AS id FROM users u
       WHERE NOT EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id)
     UNION ALL
     SELECT 'identity without membership', i.id::text FROM sso_identities i JOIN connections c ON c.id = i.connection_id
       WHERE NOT EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = i.user_id AND m.organization_id = c.organization_id)
     UNION ALL
     SELECT 'session without membership', s.id::text FROM sessions s
       WHERE NOT EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = s.user_id AND m.organization_id = s.organization_id)`,
  );
  expect(orphans).toEqual([]);
  const unresolved: string[] = [];
  for (const [index, session] of handedOut.entries()) {
    const me = await fetch(`${serviceUrl}/auth/me`, { headers: { authorization: `Bearer ${session.token}` } });
    if (me.status !== (session.loggedOut ? 401 : 200)) unresolved.push(`session #${index}: /auth/me answered ${me.status}`);
  }
  expect(unresolved).toEqual([]);
}
