import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { organizationOwnsDomainSql } from '../domains/domain-ownership';
import { PreparedStatement } from '../database/prepared-statement';
import { ROLES_CHANGED_CHANNEL } from './roles-cache';

/** What a login reads, in one statement (see `loginFacts`). */
export interface LoginFactsRow {
  jit_provisioning: boolean;
  default_role: string;
  in_organization_domains: boolean;
  account_id: string | null;
  account_email: string | null;
  first_name: string | null;
  last_name: string | null;
  found_by_identity: boolean | null;
  membership_id: string | null;
  membership_roles: string[] | null;
  roles_managed_manually: boolean | null;
  invitation_id: string | null;
  invitation_role: string | null;
  mapped_roles: string[];
  email_used_by_another: boolean;
}

export interface MembershipRow {
  id: string;
  roles: string[];
  roles_managed_manually: boolean;
}

export interface MemberRolesRow {
  user_id: string;
  roles: string[];
  resources: string[];
}

/** The identity a login comes with: none for a magic link. */
export interface LoginIdentity {
  connectionId: string;
  subject: string;
  groups: string[];
}

/**
 * An account of the organization ($1) by email ($2), with names ($3, $4) filled in when given.
 * The unique index on (organization, email) decides a race of first logins: DO UPDATE returns the
 * winner's row (DO NOTHING would return none, and the statement could not see it).
 */
function upsertAccountSql(organizationId: string, email: string, firstName: string, lastName: string): string {
  return `INSERT INTO users (organization_id, email, first_name, last_name) VALUES (${organizationId}, ${email}, ${firstName}, ${lastName})
  ON CONFLICT (organization_id, email) DO UPDATE SET
    first_name = COALESCE(EXCLUDED.first_name, users.first_name),
    last_name = COALESCE(EXCLUDED.last_name, users.last_name),
    updated_at = CASE
      WHEN users.first_name IS DISTINCT FROM COALESCE(EXCLUDED.first_name, users.first_name)
        OR users.last_name IS DISTINCT FROM COALESCE(EXCLUDED.last_name, users.last_name)
      THEN now() ELSE users.updated_at END
  RETURNING id, email`;
}

/** Everything a login decides on (see `loginFacts`): the hottest statement, prepared once per connection. */
const LOGIN_FACTS = new PreparedStatement<LoginFactsRow>(
  `WITH identity AS (
         SELECT user_id FROM sso_identities WHERE connection_id = $2 AND subject = $3
       ), by_email AS (
         SELECT id FROM users WHERE organization_id = $1 AND email = $4
       ), account AS (
         SELECT id, email, first_name, last_name, EXISTS (SELECT 1 FROM identity) AS found_by_identity FROM users
         WHERE organization_id = $1 AND id = COALESCE((SELECT user_id FROM identity), (SELECT id FROM by_email))
       ), membership AS (
         SELECT id, roles, roles_managed_manually FROM memberships
         WHERE organization_id = $1 AND user_id = (SELECT id FROM account)
       )
       SELECT o.jit_provisioning, o.default_role,
         ${organizationOwnsDomainSql('o.id', '$6')} AS in_organization_domains,
         u.id AS account_id, u.email AS account_email, u.first_name, u.last_name, u.found_by_identity,
         m.id AS membership_id, m.roles AS membership_roles, m.roles_managed_manually,
         inv.id AS invitation_id, inv.role AS invitation_role,
         ARRAY(SELECT rm.role FROM role_mappings rm WHERE rm.connection_id = $2 AND rm.idp_group_id = ANY($5::varchar[])) AS mapped_roles,
         EXISTS (SELECT 1 FROM by_email b WHERE b.id IS DISTINCT FROM u.id) AS email_used_by_another
       FROM organizations o
       LEFT JOIN account u ON true
       LEFT JOIN membership m ON true
       LEFT JOIN invitations inv ON m.id IS NULL AND inv.organization_id = o.id AND inv.email = $4 AND inv.accepted_at IS NULL
       WHERE o.id = $1`,
);

/**
 * Returning logins recorded on their identities (see `touchIdentities`). Written after the login,
 * so a later login may have been recorded first (by another instance, or with other changes): a
 * login never replaces a later one's groups and time.
 */
const TOUCH_IDENTITIES = new PreparedStatement<never>(
  `UPDATE sso_identities i SET last_groups = t.groups, last_login_at = t.at
   FROM jsonb_to_recordset($1::jsonb) AS t(connection_id uuid, subject varchar, groups text[], at timestamptz)
   WHERE i.connection_id = t.connection_id AND i.subject = t.subject AND (i.last_login_at IS NULL OR i.last_login_at < t.at)`,
);

/**
 * jsonb refuses a lone surrogate (which pg turns into U+FFFD in a text parameter) and NUL (which
 * no PostgreSQL text holds): both become U+FFFD, so that a group an IdP sent with them does not
 * lose its login's record, nor those sharing its statement.
 */
function storableInJsonb(_key: string, value: unknown): unknown {
  // With the u flag a surrogate pair is one character: only lone halves match.
  return typeof value === 'string' ? value.replace(/[\uD800-\uDFFF\0]/gu, '\uFFFD') : value;
}

/** A login to record on its identity, and when it was. */
export interface IdentityTouch extends LoginIdentity {
  at: Date;
}

/**
 * Every statement of provisioning. Each reads or writes within one organization: an account,
 * its identities and membership are only ever found through the organization's id (an identity
 * through its connection, which belongs to one organization).
 */
@Injectable()
export class ProvisioningRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Everything a login decides on, in one statement: the organization's rules, whether it owns
   * the email's domain, the account (by identity, else by email, within the organization), the
   * membership, a pending invitation (only when not a member), the roles the groups map to, and
   * whether another account of the organization has the email.
   */
  async loginFacts(organizationId: string, identity: LoginIdentity | null, email: string, emailDomain: string): Promise<LoginFactsRow> {
    const groups = identity?.groups.slice(0, 1000) ?? [];
    const rows = await LOGIN_FACTS.rows(this.dataSource, [
      organizationId,
      identity?.connectionId ?? null,
      identity?.subject ?? null,
      email,
      groups,
      emailDomain,
    ]);
    if (!rows[0]) throw new Error(`organization ${organizationId} not found`);
    return rows[0];
  }

  /** Records logins on their identities in one statement: for each identity, its latest login's groups and time. */
  async touchIdentities(touches: IdentityTouch[]): Promise<void> {
    const latest = new Map(touches.map((touch) => [`${touch.connectionId} ${touch.subject}`, touch]));
    const rows = [...latest.values()].map(({ connectionId, subject, groups, at }) => ({
      connection_id: connectionId,
      subject,
      groups,
      at,
    }));
    await TOUCH_IDENTITIES.rows(this.dataSource, [JSON.stringify(rows, storableInJsonb)]);
  }

  /** Records a login on the identity, in the login's transaction: its groups and time (the clock `touchIdentities` compares). */
  async touchIdentity(identity: LoginIdentity, at: Date, manager: EntityManager): Promise<void> {
    await manager.query('UPDATE sso_identities SET last_groups = $3, last_login_at = $4 WHERE connection_id = $1 AND subject = $2', [
      identity.connectionId,
      identity.subject,
      identity.groups,
      at,
    ]);
  }

  /**
   * A first login (no account with the identity or the email): the account, the identity, the
   * membership, the accepted invitation, the `user.provisioned` audit event and the roles-changed
   * notification as one statement (atomic on its own). Simultaneous first logins race on the same
   * unique indexes: the account and identity upserts wait for the winner and return its rows; the
   * membership insert of a loser returns nothing, so only the winner records and notifies.
   */
  async provisionFirstLogin(
    organizationId: string,
    identity: LoginIdentity,
    account: { email: string; firstName: string | null; lastName: string | null },
    roles: string[],
    invitationId: string | null,
  ): Promise<{ user_id: string; email: string; membership_id: string | null; roles: string[] | null }> {
    const [row] = (await this.dataSource.query(
      `WITH u AS (${upsertAccountSql('$7::uuid', '$1', '$2', '$3')}), i AS (
         INSERT INTO sso_identities (connection_id, subject, user_id, last_groups, last_login_at)
         SELECT $4::uuid, $5::varchar, u.id, $6::text[], now() FROM u
         ON CONFLICT (connection_id, subject) DO UPDATE SET last_groups = EXCLUDED.last_groups, last_login_at = EXCLUDED.last_login_at
         RETURNING user_id
       ), m AS (
         INSERT INTO memberships (organization_id, user_id, roles, resources)
         SELECT $7::uuid, u.id, $8::text[], '{*}' FROM u
         ON CONFLICT (organization_id, user_id) DO NOTHING
         RETURNING id, user_id, roles, roles_managed_manually
       ), inv AS (
         UPDATE invitations SET accepted_at = now(), updated_at = now() WHERE id = $9::uuid RETURNING 1
       ), a AS (
         INSERT INTO audit_events (organization_id, actor, action, target_id, details)
         SELECT $7::uuid, 'user:' || m.user_id, 'user.provisioned', m.user_id::text,
           jsonb_build_object('connectionId', $4::text, 'roles', to_jsonb(m.roles), 'invited', $9::uuid IS NOT NULL)
         FROM m
         RETURNING 1
       ), n AS (
         SELECT pg_notify($10, $7::text) FROM m
       )
       SELECT u.id AS user_id, u.email, (SELECT user_id FROM i) AS identity_user_id,
         m.id AS membership_id, m.roles, (SELECT count(*) FROM n)::int AS notified, (SELECT count(*) FROM a)::int AS audited
       FROM u LEFT JOIN m ON true`,
      [
        account.email,
        account.firstName,
        account.lastName,
        identity.connectionId,
        identity.subject,
        identity.groups,
        organizationId,
        roles,
        invitationId,
        ROLES_CHANGED_CHANNEL,
      ],
    )) as { user_id: string; email: string; membership_id: string | null; roles: string[] | null }[];
    return row;
  }

  async membership(organizationId: string, userId: string): Promise<MembershipRow | undefined> {
    const [row] = (await this.dataSource.query(
      'SELECT id, roles, roles_managed_manually FROM memberships WHERE organization_id = $1 AND user_id = $2',
      [organizationId, userId],
    )) as MembershipRow[];
    return row;
  }

  async upsertAccount(
    manager: EntityManager,
    organizationId: string,
    account: { email: string; firstName: string | null; lastName: string | null },
  ): Promise<{ id: string; email: string }> {
    const [row] = (await manager.query(upsertAccountSql('$1', '$2', '$3', '$4'), [
      organizationId,
      account.email,
      account.firstName,
      account.lastName,
    ])) as {
      id: string;
      email: string;
    }[];
    return row;
  }

  async updateAccount(
    manager: EntityManager,
    id: string,
    account: { email: string; firstName: string | null; lastName: string | null },
  ): Promise<void> {
    await manager.query('UPDATE users SET first_name = $2, last_name = $3, email = $4, updated_at = now() WHERE id = $1', [
      id,
      account.firstName,
      account.lastName,
      account.email,
    ]);
  }

  async linkIdentity(manager: EntityManager, identity: LoginIdentity, userId: string): Promise<void> {
    await manager.query(
      `INSERT INTO sso_identities (connection_id, subject, user_id, last_groups, last_login_at) VALUES ($1, $2, $3, $4, now())
       ON CONFLICT (connection_id, subject) DO UPDATE SET last_groups = EXCLUDED.last_groups, last_login_at = EXCLUDED.last_login_at`,
      [identity.connectionId, identity.subject, userId, identity.groups],
    );
  }

  /**
   * Makes the account a member (or finds the membership a simultaneous login made) and accepts
   * the invitation. `created` says whether this call made it.
   */
  async admit(
    manager: EntityManager,
    organizationId: string,
    userId: string,
    roles: string[],
    invitationId: string | null,
  ): Promise<MembershipRow & { created: boolean }> {
    const inserted = (await manager.query(
      `INSERT INTO memberships (organization_id, user_id, roles, resources) VALUES ($1, $2, $3, '{*}')
       ON CONFLICT (organization_id, user_id) DO NOTHING
       RETURNING id, roles, roles_managed_manually`,
      [organizationId, userId, roles],
    )) as MembershipRow[];
    // The loser of a race reads the winner's row (a new statement sees what committed meanwhile).
    const [row] = inserted.length
      ? inserted
      : ((await manager.query('SELECT id, roles, roles_managed_manually FROM memberships WHERE organization_id = $1 AND user_id = $2', [
          organizationId,
          userId,
        ])) as MembershipRow[]);
    if (!row) throw new Error(`membership of user ${userId} in organization ${organizationId} not found`);
    if (invitationId) await manager.query('UPDATE invitations SET accepted_at = now(), updated_at = now() WHERE id = $1', [invitationId]);
    return { ...row, created: inserted.length > 0 };
  }

  async replaceRoles(manager: EntityManager, membershipId: string, roles: string[]): Promise<void> {
    await manager.query('UPDATE memberships SET roles = $2, updated_at = now() WHERE id = $1', [membershipId, roles]);
  }

  /** A member's roles by account id or email; one parameterised statement, so a cache miss costs the database's time only. */
  async memberRoles(organizationId: string, by: { userId: string } | { email: string }): Promise<MemberRolesRow | undefined> {
    const [row] = (await this.dataSource.query(
      'userId' in by
        ? 'SELECT user_id, roles, resources FROM memberships WHERE organization_id = $1 AND user_id = $2'
        : 'SELECT m.user_id, m.roles, m.resources FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.organization_id = $1 AND u.organization_id = $1 AND u.email = $2',
      [organizationId, 'userId' in by ? by.userId : by.email],
    )) as MemberRolesRow[];
    return row;
  }

  /** True when the email is a member of the organization or has a pending invitation to it. */
  async isMemberOrInvited(organizationId: string, email: string): Promise<boolean> {
    const [row] = (await this.dataSource.query(
      `SELECT EXISTS (SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.organization_id = $1 AND u.organization_id = $1 AND u.email = $2)
           OR EXISTS (SELECT 1 FROM invitations WHERE organization_id = $1 AND email = $2 AND accepted_at IS NULL) AS admitted`,
      [organizationId, email],
    )) as { admitted: boolean }[];
    return row.admitted;
  }
}
