import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, In, IsNull, Repository } from 'typeorm';
import { SsoIdentity } from './entities/sso-identity.entity';
import { Connection } from '../connections/entities/connection.entity';
import { RoleMapping } from '../role-mapping/entities/role-mapping.entity';
import { SsoErrorCode, SsoLoginError } from '../auth/sso-login.error';
import { Invitation } from './entities/invitation.entity';
import { Membership } from './entities/membership.entity';
import { User } from './entities/user.entity';
import { InviteUserInput } from './dto/invite-user.input';
import { SetMemberRolesInput } from './dto/member.input';
import { Session } from '../auth/entities/session.entity';
import { deleteAudited } from '../audit/audited-delete';
import { Caller, actorOf, assertCanActOn, canActOn } from '../common/caller';
import { BadInputError, NotFoundError } from '../common/errors';
import { AuditService } from '../audit/audit.service';
import { DomainsService } from '../domains/domains.service';
import { Organization } from '../organizations/entities/organization.entity';
import { ROLES_CHANGED_CHANNEL, RolesCache } from './roles-cache';
import { isUuid } from '../common/uuid.pipe';

/** Who the IdP says signed in, after the login checks. */
export interface SsoProfile {
  subject: string;
  email: string;
  firstName: string | null;
  lastName: string | null;
  groups: string[];
  /** Why the groups could not be learned (an unresolved groups overage); null when they were. */
  groupsUnavailable: string | null;
}

export interface ProvisionedMember {
  userId: string;
  organizationId: string;
  email: string;
  roles: string[];
}

/** What the roles API answers for a member. */
export interface MemberRoles {
  userId: string;
  organizationId: string;
  roles: string[];
  resources: string[];
}

/**
 * A user by email ($1), with names ($2, $3) filled in when given. The unique index on email
 * decides a race of first logins: DO UPDATE returns the winner's row (DO NOTHING would return
 * none, and the statement could not see it).
 */
const UPSERT_USER = `INSERT INTO users (email, first_name, last_name) VALUES ($1, $2, $3)
  ON CONFLICT (email) DO UPDATE SET
    first_name = COALESCE(EXCLUDED.first_name, users.first_name),
    last_name = COALESCE(EXCLUDED.last_name, users.last_name),
    updated_at = CASE
      WHEN users.first_name IS DISTINCT FROM COALESCE(EXCLUDED.first_name, users.first_name)
        OR users.last_name IS DISTINCT FROM COALESCE(EXCLUDED.last_name, users.last_name)
      THEN now() ELSE users.updated_at END
  RETURNING id, email`;

@Injectable()
export class ProvisioningService {
  constructor(
    @InjectRepository(Membership) private readonly memberships: Repository<Membership>,
    private readonly dataSource: DataSource,
    private readonly domains: DomainsService,
    private readonly audit: AuditService,
    private readonly rolesCache: RolesCache,
  ) {}

  /** Invites an email of the organization's own domains; inviting again updates the role. */
  async invite(caller: Caller, input: InviteUserInput): Promise<Invitation> {
    assertCanActOn(caller, input.organizationId);
    const email = input.email.trim().toLowerCase();
    return this.dataSource.transaction(async (manager) => {
      const organization = await manager.findOneBy(Organization, { id: input.organizationId });
      if (!organization) throw new NotFoundError('organization');
      if (!(await this.domains.emailBelongsTo(organization.id, email))) {
        throw new BadInputError('email', 'is not in one of the organization’s domains');
      }
      const role = input.role ?? organization.defaultRole;
      await manager
        .createQueryBuilder()
        .insert()
        .into(Invitation)
        .values({ organizationId: organization.id, email, role })
        .orUpdate(['role', 'updated_at'], ['organization_id', 'email'])
        .execute();
      const invitation = await manager.findOneByOrFail(Invitation, { organizationId: organization.id, email });
      await this.audit.record(manager, {
        organizationId: organization.id,
        actor: actorOf(caller),
        action: 'invitation.created',
        targetId: invitation.id,
        details: { email, role },
      });
      return invitation;
    });
  }

  async members(caller: Caller, organizationId: string): Promise<Membership[]> {
    assertCanActOn(caller, organizationId);
    return this.memberships.find({ where: { organizationId }, relations: { user: true }, order: { createdAt: 'ASC' } });
  }

  /** Pins a member's roles and resources by hand (or, with roles null, hands roles back to the IdP). */
  async setMemberRoles(caller: Caller, input: SetMemberRolesInput): Promise<Membership> {
    assertCanActOn(caller, input.organizationId);
    return this.changingRoles(input.organizationId, async (manager) => {
      const membership = await manager.findOne(Membership, {
        where: { organizationId: input.organizationId, userId: input.userId },
        relations: { user: true },
        lock: { mode: 'pessimistic_write', tables: ['memberships'] },
      });
      if (!membership) throw new NotFoundError('member');
      const before = { roles: membership.roles, resources: membership.resources };
      if (input.roles !== undefined) {
        membership.rolesManagedManually = input.roles !== null;
        if (input.roles !== null) membership.roles = [...new Set(input.roles)];
      }
      if (input.resources) membership.resources = [...new Set(input.resources)];
      await manager.save(membership);
      await this.audit.record(manager, {
        organizationId: input.organizationId,
        actor: actorOf(caller),
        action: 'member.roles_changed',
        targetId: input.userId,
        details: { from: before, to: { roles: membership.roles, resources: membership.resources }, manual: membership.rolesManagedManually },
      });
      return membership;
    });
  }

  /** Removes a member; their sessions in the organization stop working at once. */
  async removeMember(caller: Caller, organizationId: string, userId: string): Promise<boolean> {
    assertCanActOn(caller, organizationId);
    return this.changingRoles(organizationId, async (manager) => {
      const removed = await manager.delete(Membership, { organizationId, userId });
      if (!removed.affected) throw new NotFoundError('member');
      await manager.delete(Session, { organizationId, userId });
      await this.audit.record(manager, { organizationId, actor: actorOf(caller), action: 'member.removed', targetId: userId });
      return true;
    });
  }

  async invitations(caller: Caller, organizationId: string): Promise<Invitation[]> {
    assertCanActOn(caller, organizationId);
    return this.dataSource.getRepository(Invitation).find({ where: { organizationId, acceptedAt: IsNull() }, order: { createdAt: 'ASC' } });
  }

  revokeInvitation(caller: Caller, id: string): Promise<boolean> {
    return deleteAudited(this.dataSource, this.audit, caller, Invitation, id, {
      label: 'invitation',
      action: 'invitation.revoked',
      details: (row) => ({ email: row.email }),
    });
  }

  /**
   * What /auth/me shows for a session token's claims, in one statement: undefined unless the
   * session is live (not revoked, not expired) and the user still a member of the organization.
   */
  async memberViewOfSession(claims: { sessionId: string; userId: string; organizationId: string }) {
    if (!isUuid(claims.sessionId) || !isUuid(claims.userId) || !isUuid(claims.organizationId)) return undefined;
    const rows = (await this.dataSource.query(
      `SELECT u.id, u.email, u.first_name, u.last_name, o.id AS organization_id, o.slug, m.roles
       FROM sessions s
       JOIN memberships m ON m.user_id = s.user_id AND m.organization_id = $3
       JOIN users u ON u.id = m.user_id
       JOIN organizations o ON o.id = m.organization_id
       WHERE s.id = $1 AND s.user_id = $2 AND s.expires_at > $4`,
      [claims.sessionId, claims.userId, claims.organizationId, new Date()],
    )) as { id: string; email: string; first_name: string | null; last_name: string | null; organization_id: string; slug: string; roles: string[] }[];
    const row = rows[0];
    if (!row) return undefined;
    return {
      user: { id: row.id, email: row.email, firstName: row.first_name, lastName: row.last_name },
      organization: { id: row.organization_id, slug: row.slug },
      roles: row.roles,
    };
  }

  /** A member's roles, found by user id or by email; undefined when not a member. */
  async rolesOf(caller: Caller, organizationId: string, by: { userId?: string; email?: string }): Promise<MemberRoles | undefined> {
    assertCanActOn(caller, organizationId);
    if (!by.userId && !by.email) throw new BadInputError('userId', 'give userId or email');
    const email = by.email?.trim().toLowerCase();
    const cacheKey = by.userId ? `user:${by.userId}` : `email:${email}`;
    return this.rolesCache.get(organizationId, cacheKey, () => this.readRoles(organizationId, by.userId, email));
  }

  /**
   * The roles of a member by user id when the roles cache holds a current answer naming a member
   * (ids already lower-case UUIDs); undefined for anything rolesOf would have to work out (a miss,
   * a cached non-member, a caller of another organization).
   */
  cachedRolesByUserId(caller: Caller, organizationId: string, userId: string): MemberRoles | undefined {
    if (!canActOn(caller, organizationId)) return undefined;
    return this.rolesCache.peek<MemberRoles | undefined>(organizationId, `user:${userId}`)?.value;
  }

  private async readRoles(organizationId: string, userId: string | undefined, email: string | undefined): Promise<MemberRoles | undefined> {
    // One parameterised statement, no query builder: a cache miss costs the database's time only.
    const rows = (await this.dataSource.query(
      userId
        ? 'SELECT user_id, roles, resources FROM memberships WHERE organization_id = $1 AND user_id = $2'
        : 'SELECT m.user_id, m.roles, m.resources FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.organization_id = $1 AND u.email = $2',
      [organizationId, userId ?? email],
    )) as { user_id: string; roles: string[]; resources: string[] }[];
    const row = rows[0];
    return row ? { userId: row.user_id, organizationId, roles: row.roles, resources: row.resources } : undefined;
  }

  /**
   * The user, identity and membership for an SSO login, in one transaction. The identity is
   * keyed by (connection, subject); an existing user is linked by email only because the email
   * lies in the organization's own domains (checked before). Roles come from the mapped groups,
   * else the invitation's role, else the organization's default.
   */
  async provisionSsoLogin(connection: Connection, profile: SsoProfile): Promise<ProvisionedMember> {
    const found = await this.loginFacts(connection, profile);
    if (!found.membershipId && !found.invitationId && !found.jitProvisioning) {
      throw new SsoLoginError(SsoErrorCode.USER_NOT_INVITED, 'invite-only organization and no pending invitation');
    }
    const organizationId = connection.organizationId;
    const roles = rolesFrom(found.mappedRoles, profile.groups, found.invitationRole ?? found.defaultRole);
    // A returning member whose identity was touched by the read itself, with nothing else to
    // change, needs no transaction: the read's one statement did the login's writing.
    if (
      found.identityTouched &&
      found.userId !== null &&
      !this.userChanges(found, profile).changed &&
      (found.rolesManagedManually || sameRoles(found.membershipRoles!, roles)) &&
      !profile.groupsUnavailable
    ) {
      return { userId: found.userId, organizationId, email: found.userEmail!, roles: found.membershipRoles! };
    }
    if (found.userId === null && !found.membershipId && !profile.groupsUnavailable) {
      const first = await this.provisionFirstLogin(connection, profile, roles, found.invitationId);
      if (first) return first;
    }
    // Which organization's cached roles this login changed: null for none, undefined for any
    // (an email changed, and other organizations may look the user up by it).
    let changedRolesOf: string | undefined | null = null;
    const member = await this.dataSource.transaction(async (manager) => {
      let userId = found.userId;
      let email = found.userEmail;
      let emailChanged = false;
      if (userId === null) {
        const [row] = (await manager.query(UPSERT_USER, [profile.email, profile.firstName, profile.lastName])) as { id: string; email: string }[];
        userId = row.id;
        email = row.email;
      } else {
        const changes = this.userChanges(found, profile);
        emailChanged = changes.emailChanged;
        if (changes.changed) {
          await manager.query(
            'UPDATE users SET first_name = $2, last_name = $3, email = $4, updated_at = now() WHERE id = $1',
            [userId, changes.firstName, changes.lastName, changes.email],
          );
          email = changes.email;
        }
      }
      if (!found.identityTouched) {
        await manager.query(
          `INSERT INTO sso_identities (connection_id, subject, user_id, last_groups, last_login_at) VALUES ($1, $2, $3, $4, now())
           ON CONFLICT (connection_id, subject) DO UPDATE SET last_groups = EXCLUDED.last_groups, last_login_at = EXCLUDED.last_login_at`,
          [connection.id, profile.subject, userId, profile.groups],
        );
      }
      let membershipRoles = found.membershipRoles;
      let manual = found.rolesManagedManually;
      let membershipId = found.membershipId;
      let created = false;
      if (!membershipId) {
        ({ id: membershipId, roles: membershipRoles, rolesManagedManually: manual, created } = await this.admit(
          manager,
          organizationId,
          userId,
          roles,
          found.invitationId,
          { connectionId: connection.id },
        ));
      }
      const rolesReplaced = !manual && !sameRoles(membershipRoles!, roles);
      if (rolesReplaced) {
        await manager.query('UPDATE memberships SET roles = $2, updated_at = now() WHERE id = $1', [membershipId, roles]);
        membershipRoles = roles;
      }
      if (emailChanged || created || rolesReplaced) {
        changedRolesOf = emailChanged ? undefined : organizationId;
        await this.rolesCache.announceChange(manager, changedRolesOf);
      }
      if (profile.groupsUnavailable) {
        // The member signs in with the fallback role rather than not at all; say why, so an
        // admin can tell a missing role from a mapping mistake.
        await this.audit.record(manager, {
          organizationId,
          actor: `user:${userId}`,
          action: 'login.groups_overage',
          targetId: userId,
          details: { connectionId: connection.id, reason: profile.groupsUnavailable, roles: membershipRoles },
        });
      }
      return { userId, organizationId, email: email!, roles: membershipRoles! };
    });
    if (changedRolesOf !== null) this.rolesCache.invalidate(changedRolesOf);
    return member;
  }

  /**
   * A first login (no user with the identity or the email, hence no membership): the user, the
   * identity, the membership, the accepted invitation, the `user.provisioned` audit event and the
   * roles-changed notification as one statement (atomic on its own, no transaction around it).
   * Simultaneous first logins race on the same unique indexes as the step-by-step path: the user
   * and identity upserts wait for the winner and return its rows; the membership insert of a loser
   * returns nothing, so only the winner records the provisioning and notifies. A loser whose
   * membership the winner made with the same roles is done with one more read; anything else
   * (returns undefined) goes the step-by-step way, which finds the rows that exist by then.
   */
  private async provisionFirstLogin(
    connection: Connection,
    profile: SsoProfile,
    roles: string[],
    invitationId: string | null,
  ): Promise<ProvisionedMember | undefined> {
    const organizationId = connection.organizationId;
    const [row] = (await this.dataSource.query(
      `WITH u AS (${UPSERT_USER}), i AS (
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
        profile.email,
        profile.firstName,
        profile.lastName,
        connection.id,
        profile.subject,
        profile.groups,
        organizationId,
        roles,
        invitationId,
        ROLES_CHANGED_CHANNEL,
      ],
    )) as { user_id: string; email: string; identity_user_id: string; membership_id: string | null; roles: string[] | null }[];
    if (row.membership_id !== null) {
      this.rolesCache.invalidate(organizationId);
      return { userId: row.user_id, organizationId, email: row.email, roles: row.roles! };
    }
    // A simultaneous first login made the membership: the same roles leave nothing to change.
    const [winner] = (await this.dataSource.query(
      'SELECT roles, roles_managed_manually FROM memberships WHERE organization_id = $1 AND user_id = $2',
      [organizationId, row.user_id],
    )) as MembershipRow[];
    if (winner && (winner.roles_managed_manually || sameRoles(winner.roles, roles))) {
      return { userId: row.user_id, organizationId, email: row.email, roles: winner.roles };
    }
    return undefined;
  }

  /**
   * Everything a login decides on, in one statement: the organization's rules, the identity,
   * the user (by identity, else by email), the membership, a pending invitation (only when not
   * a member), the roles the groups map to, and whether the email is taken. When the identity
   * and the membership both exist (a returning member, who is admitted whatever else holds),
   * the same statement records the login on the identity (its groups and time).
   */
  private async loginFacts(connection: Connection, profile: SsoProfile): Promise<LoginFacts> {
    const rows = (await this.dataSource.query(
      `WITH identity AS (
         SELECT user_id FROM sso_identities WHERE connection_id = $2 AND subject = $3
       ), member_user AS (
         SELECT id, email, first_name, last_name FROM users
         WHERE id = COALESCE((SELECT user_id FROM identity), (SELECT id FROM users WHERE email = $4))
       ), membership AS (
         SELECT id, roles, roles_managed_manually FROM memberships
         WHERE organization_id = $1 AND user_id = (SELECT id FROM member_user)
       ), touched AS (
         UPDATE sso_identities SET last_groups = $5, last_login_at = now()
         WHERE connection_id = $2 AND subject = $3 AND EXISTS (SELECT 1 FROM membership)
         RETURNING 1
       )
       SELECT o.jit_provisioning, o.default_role,
         u.id AS user_id, u.email AS user_email, u.first_name, u.last_name,
         m.id AS membership_id, m.roles AS membership_roles, m.roles_managed_manually,
         inv.id AS invitation_id, inv.role AS invitation_role,
         ARRAY(SELECT rm.role FROM role_mappings rm WHERE rm.connection_id = $2 AND rm.idp_group_id = ANY($6::varchar[])) AS mapped_roles,
         EXISTS (SELECT 1 FROM users WHERE email = $4) AS email_taken,
         EXISTS (SELECT 1 FROM identity) AS has_identity,
         EXISTS (SELECT 1 FROM touched) AS identity_touched
       FROM organizations o
       LEFT JOIN member_user u ON true
       LEFT JOIN membership m ON true
       LEFT JOIN invitations inv ON m.id IS NULL AND inv.organization_id = o.id AND inv.email = $4 AND inv.accepted_at IS NULL
       WHERE o.id = $1`,
      [connection.organizationId, connection.id, profile.subject, profile.email, profile.groups, profile.groups.slice(0, 1000)],
    )) as LoginFactsRow[];
    const row = rows[0];
    if (!row) throw new Error(`organization ${connection.organizationId} of connection ${connection.id} not found`);
    return {
      jitProvisioning: row.jit_provisioning,
      defaultRole: row.default_role,
      userId: row.user_id,
      userEmail: row.user_email,
      firstName: row.first_name,
      lastName: row.last_name,
      membershipId: row.membership_id,
      membershipRoles: row.membership_roles,
      rolesManagedManually: row.roles_managed_manually ?? false,
      invitationId: row.invitation_id,
      invitationRole: row.invitation_role,
      mappedRoles: row.mapped_roles,
      emailTaken: row.email_taken,
      hasIdentity: row.has_identity,
      identityTouched: row.identity_touched,
    };
  }

  /** What a login changes on an existing user: names the IdP sent, and the email when it is free. */
  private userChanges(found: LoginFacts, profile: SsoProfile) {
    const firstName = profile.firstName ?? found.firstName;
    const lastName = profile.lastName ?? found.lastName;
    // The email follows the IdP only for a user known by identity, and only to a free address.
    const emailChanged = found.hasIdentity && found.userEmail !== profile.email && !found.emailTaken;
    const email = emailChanged ? profile.email : found.userEmail!;
    return { firstName, lastName, email, emailChanged, changed: emailChanged || firstName !== found.firstName || lastName !== found.lastName };
  }

  /** A transaction that changes an organization's members: every instance's roles cache hears of it at commit. */
  private async changingRoles<T>(organizationId: string, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const result = await this.dataSource.transaction(async (manager) => {
      const value = await work(manager);
      await this.rolesCache.announceChange(manager, organizationId);
      return value;
    });
    this.rolesCache.invalidate(organizationId);
    return result;
  }

  /** True when the email may sign in to the organization: a member, or a pending invitation. */
  async isMemberOrInvited(organizationId: string, email: string): Promise<boolean> {
    const member = await this.memberships
      .createQueryBuilder('membership')
      .innerJoin(User, 'user', 'user.id = membership.user_id')
      .where('membership.organization_id = :organizationId AND user.email = :email', { organizationId, email })
      .getExists();
    return member || this.dataSource.getRepository(Invitation).existsBy({ organizationId, email, acceptedAt: IsNull() });
  }

  /**
   * The member an email sign-in (magic link) stands for. A pending invitation is accepted: the
   * user (created if new) becomes a member with the invitation's role. Anyone else gets
   * undefined: an email sign-in never creates a user without an invitation.
   */
  async admitByEmail(organizationId: string, email: string, method: string): Promise<ProvisionedMember | undefined> {
    let admitted = false;
    const member = await this.dataSource.transaction(async (manager) => {
      const user = await manager.findOneBy(User, { email });
      const membership = user ? await manager.findOneBy(Membership, { organizationId, userId: user.id }) : null;
      if (!membership) {
        const invitation = await manager.findOneBy(Invitation, { organizationId, email, acceptedAt: IsNull() });
        if (!invitation) return undefined;
        const userId = user?.id ?? ((await manager.query(UPSERT_USER, [email, null, null])) as { id: string }[])[0].id;
        const admission = await this.admit(manager, organizationId, userId, [invitation.role], invitation.id, { method });
        admitted = admission.created;
        if (admitted) await this.rolesCache.announceChange(manager, organizationId);
        return { userId, organizationId, email, roles: admission.roles };
      }
      return { userId: membership.userId, organizationId, email, roles: membership.roles };
    });
    if (admitted) this.rolesCache.invalidate(organizationId);
    return member;
  }

  /**
   * Makes the user a member and accepts their invitation. Simultaneous first sign-ins of one
   * person race here: the unique index decides, the losers find the winner's row, and only the
   * winner records the provisioning.
   */
  private async admit(
    manager: EntityManager,
    organizationId: string,
    userId: string,
    roles: string[],
    invitationId: string | null,
    via: Record<string, string>,
  ): Promise<{ id: string; roles: string[]; rolesManagedManually: boolean; created: boolean }> {
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
    const created = inserted.length > 0;
    if (created) {
      await this.audit.record(manager, {
        organizationId,
        actor: `user:${userId}`,
        action: 'user.provisioned',
        targetId: userId,
        details: { ...via, roles: row.roles, invited: Boolean(invitationId) },
      });
    }
    return { id: row.id, roles: row.roles, rolesManagedManually: row.roles_managed_manually, created };
  }

  /**
   * The roles an SSO login would give, writing nothing (for a test sign-in); throws
   * user_not_invited as the login would.
   */
  async previewSsoLogin(connection: Connection, profile: SsoProfile): Promise<string[]> {
    const manager = this.dataSource.manager;
    const { organization, existingMembership, invitation } = await this.admission(manager, connection, profile);
    if (existingMembership?.rolesManagedManually) return existingMembership.roles;
    return this.rolesForLogin(manager, connection, profile.groups, invitation?.role ?? organization.defaultRole);
  }

  /** Who the login is (identity, user, membership, invitation) and whether they may come in. */
  private async admission(manager: EntityManager, connection: Connection, profile: SsoProfile) {
    const organization = await manager.findOneByOrFail(Organization, { id: connection.organizationId });
    const identity = await manager.findOneBy(SsoIdentity, { connectionId: connection.id, subject: profile.subject });
    const user = identity ? await manager.findOneByOrFail(User, { id: identity.userId }) : await manager.findOneBy(User, { email: profile.email });
    const existingMembership = user ? await manager.findOneBy(Membership, { organizationId: organization.id, userId: user.id }) : null;
    const invitation = existingMembership
      ? null
      : await manager.findOneBy(Invitation, { organizationId: organization.id, email: profile.email, acceptedAt: IsNull() });
    if (!existingMembership && !invitation && !organization.jitProvisioning) {
      throw new SsoLoginError(SsoErrorCode.USER_NOT_INVITED, 'invite-only organization and no pending invitation');
    }
    return { organization, identity, user, existingMembership, invitation };
  }

  private async rolesForLogin(manager: EntityManager, connection: Connection, groups: string[], fallbackRole: string): Promise<string[]> {
    if (groups.length === 0) return [fallbackRole];
    const mappings = await manager.findBy(RoleMapping, { connectionId: connection.id, idpGroupId: In(groups.slice(0, 1000)) });
    const mapped = [...new Set(mappings.map((mapping) => mapping.role))];
    return mapped.length ? mapped : [fallbackRole];
  }
}

interface MembershipRow {
  id: string;
  roles: string[];
  roles_managed_manually: boolean;
}

interface LoginFactsRow {
  jit_provisioning: boolean;
  default_role: string;
  user_id: string | null;
  user_email: string | null;
  first_name: string | null;
  last_name: string | null;
  membership_id: string | null;
  membership_roles: string[] | null;
  roles_managed_manually: boolean | null;
  invitation_id: string | null;
  invitation_role: string | null;
  mapped_roles: string[];
  email_taken: boolean;
  has_identity: boolean;
  identity_touched: boolean;
}

interface LoginFacts {
  jitProvisioning: boolean;
  defaultRole: string;
  userId: string | null;
  userEmail: string | null;
  firstName: string | null;
  lastName: string | null;
  membershipId: string | null;
  membershipRoles: string[] | null;
  rolesManagedManually: boolean;
  invitationId: string | null;
  invitationRole: string | null;
  mappedRoles: string[];
  emailTaken: boolean;
  hasIdentity: boolean;
  identityTouched: boolean;
}

/** The roles of the mapped groups, else the fallback (the invitation's role or the organization's default). */
function rolesFrom(mappedRoles: string[], groups: string[], fallbackRole: string): string[] {
  if (groups.length === 0) return [fallbackRole];
  const mapped = [...new Set(mappedRoles)];
  return mapped.length ? mapped : [fallbackRole];
}

function sameRoles(current: string[], next: string[]): boolean {
  return current.length === next.length && current.every((role) => next.includes(role));
}
