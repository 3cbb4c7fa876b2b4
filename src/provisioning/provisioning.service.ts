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
import { Caller, actorOf, assertCanActOn } from '../common/caller';
import { BadInputError, NotFoundError } from '../common/errors';
import { AuditService } from '../audit/audit.service';
import { DomainsService } from '../domains/domains.service';
import { Organization } from '../organizations/entities/organization.entity';
import { RolesCache } from './roles-cache';

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

  /** What /auth/me shows of a signed-in member; undefined when no longer a member. */
  async memberView(userId: string, organizationId: string) {
    const membership = await this.memberships.findOne({ where: { userId, organizationId }, relations: { user: true, organization: true } });
    if (!membership?.user || !membership.organization) return undefined;
    const { user, organization } = membership;
    return {
      user: { id: user.id, email: user.email, firstName: user.firstName, lastName: user.lastName },
      organization: { id: organization.id, slug: organization.slug },
      roles: membership.roles,
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

  private async readRoles(organizationId: string, userId: string | undefined, email: string | undefined): Promise<MemberRoles | undefined> {
    const query = this.memberships
      .createQueryBuilder('membership')
      .innerJoin(User, 'user', 'user.id = membership.user_id')
      .where('membership.organization_id = :organizationId', { organizationId });
    if (userId) query.andWhere('membership.user_id = :userId', { userId });
    else query.andWhere('user.email = :email', { email });
    const membership = await query.getOne();
    return membership
      ? { userId: membership.userId, organizationId, roles: membership.roles, resources: membership.resources }
      : undefined;
  }

  /**
   * The user, identity and membership for an SSO login, in one transaction. The identity is
   * keyed by (connection, subject); an existing user is linked by email only because the email
   * lies in the organization's own domains (checked before). Roles come from the mapped groups,
   * else the invitation's role, else the organization's default.
   */
  async provisionSsoLogin(connection: Connection, profile: SsoProfile): Promise<ProvisionedMember> {
    // Which organization's cached roles this login changed: null for none, undefined for any
    // (an email changed, and other organizations may look the user up by it).
    let changedRolesOf: string | undefined | null = null;
    const member = await this.dataSource.transaction(async (manager) => {
      const { organization, identity, existingMembership, invitation, ...found } = await this.admission(manager, connection, profile);
      let user = found.user;
      if (!user) {
        await manager.createQueryBuilder().insert().into(User).values({ email: profile.email }).orIgnore().execute();
        user = await manager.findOneByOrFail(User, { email: profile.email });
      }
      user.firstName = profile.firstName ?? user.firstName;
      user.lastName = profile.lastName ?? user.lastName;
      const emailChanged = Boolean(identity) && user.email !== profile.email && !(await manager.existsBy(User, { email: profile.email }));
      if (emailChanged) user.email = profile.email;
      await manager.save(user);
      await manager
        .createQueryBuilder()
        .insert()
        .into(SsoIdentity)
        .values({ connectionId: connection.id, subject: profile.subject, userId: user.id, lastGroups: profile.groups })
        .orUpdate(['last_groups', 'last_login_at'], ['connection_id', 'subject'])
        .execute();
      await manager.update(SsoIdentity, { connectionId: connection.id, subject: profile.subject }, { lastLoginAt: new Date() });
      const roles = await this.rolesForLogin(manager, connection, profile.groups, invitation?.role ?? organization.defaultRole);
      let membership = existingMembership;
      let created = false;
      if (!membership) ({ membership, created } = await this.admit(manager, organization.id, user.id, roles, invitation, { connectionId: connection.id }));
      const rolesReplaced = !membership.rolesManagedManually && !sameRoles(membership.roles, roles);
      if (rolesReplaced) {
        membership.roles = roles;
        await manager.save(membership);
      }
      if (emailChanged || created || rolesReplaced) {
        changedRolesOf = emailChanged ? undefined : organization.id;
        await this.rolesCache.announceChange(manager, changedRolesOf);
      }
      if (profile.groupsUnavailable) {
        // The member signs in with the fallback role rather than not at all; say why, so an
        // admin can tell a missing role from a mapping mistake.
        await this.audit.record(manager, {
          organizationId: organization.id,
          actor: `user:${user.id}`,
          action: 'login.groups_overage',
          targetId: user.id,
          details: { connectionId: connection.id, reason: profile.groupsUnavailable, roles: membership.roles },
        });
      }
      return { userId: user.id, organizationId: organization.id, email: user.email, roles: membership.roles };
    });
    if (changedRolesOf !== null) this.rolesCache.invalidate(changedRolesOf);
    return member;
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
      let user = await manager.findOneBy(User, { email });
      let membership = user ? await manager.findOneBy(Membership, { organizationId, userId: user.id }) : null;
      if (!membership) {
        const invitation = await manager.findOneBy(Invitation, { organizationId, email, acceptedAt: IsNull() });
        if (!invitation) return undefined;
        if (!user) {
          await manager.createQueryBuilder().insert().into(User).values({ email }).orIgnore().execute();
          user = await manager.findOneByOrFail(User, { email });
        }
        ({ membership, created: admitted } = await this.admit(manager, organizationId, user.id, [invitation.role], invitation, { method }));
        if (admitted) await this.rolesCache.announceChange(manager, organizationId);
      }
      return { userId: user!.id, organizationId, email, roles: membership.roles };
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
    invitation: Invitation | null,
    via: Record<string, string>,
  ): Promise<{ membership: Membership; created: boolean }> {
    const inserted = await manager
      .createQueryBuilder()
      .insert()
      .into(Membership)
      .values({ organizationId, userId, roles, resources: ['*'] })
      .orIgnore()
      .returning(['id'])
      .execute();
    const membership = await manager.findOneByOrFail(Membership, { organizationId, userId });
    if (invitation) await manager.update(Invitation, { id: invitation.id }, { acceptedAt: new Date() });
    const created = inserted.raw.length > 0;
    if (created) {
      await this.audit.record(manager, {
        organizationId,
        actor: `user:${userId}`,
        action: 'user.provisioned',
        targetId: userId,
        details: { ...via, roles: membership.roles, invited: Boolean(invitation) },
      });
    }
    return { membership, created };
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

function sameRoles(current: string[], next: string[]): boolean {
  return current.length === next.length && current.every((role) => next.includes(role));
}
