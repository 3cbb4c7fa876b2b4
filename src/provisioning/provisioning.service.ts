import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull, Repository } from 'typeorm';
import { Connection } from '../connections/entities/connection.entity';
import { PRESETS } from '../connections/presets';
import { Invitation } from './entities/invitation.entity';
import { Membership } from './entities/membership.entity';
import { InviteUserInput } from './dto/invite-user.input';
import { SetMemberRolesInput } from './dto/member.input';
import { deleteAudited } from '../audit/audited-delete';
import { Caller, actorOf, assertCanActOn, canActOn } from '../common/caller';
import { BadInputError, NotFoundError } from '../common/errors';
import { normalizeEmail } from '../common/email';
import { isUniqueViolation } from '../database/postgres-errors';
import { AuditService } from '../audit/audit.service';
import { DomainsService } from '../domains/domains.service';
import { emailDomain } from '../domains/domain-rules';
import { Organization } from '../organizations/entities/organization.entity';
import { RolesCache } from './roles-cache';
import { sameRoles } from '../role-mapping/roles-from-groups';
import { ProvisioningRepository, type IdentityTouch, type LoginFactsRow, type LoginIdentity } from './provisioning.repository';
import { CoalescingWriter } from '../common/coalescing-writer';
import { decideLogin, type LoginDecision, type LoginFacts } from './login-decision';
import { isEmailTrusted } from './email-trust';
import { LoginRefusalCode, LoginRefusedError } from './login-refused.error';

/** Who the IdP says signed in, after the token checks. */
export interface SsoProfile {
  subject: string;
  /** Normalised (`normalizeEmail`). */
  email: string;
  /** The IdP's `email_verified` claim, as sent (judged by `isEmailTrusted`). */
  emailVerified: unknown;
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

type Admission = Extract<LoginDecision, { admitted: true }>;

@Injectable()
export class ProvisioningService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(ProvisioningService.name);
  /**
   * Returning members' logins, recorded on their identities after the login (nothing the login
   * decides on reads them): one statement for all that came in while the previous one ran.
   */
  private readonly identityTouches = new CoalescingWriter<IdentityTouch>(
    (touches) => this.repository.touchIdentities(touches),
    (error) => this.logger.warn(`the last login of an identity not recorded: ${error instanceof Error ? error.message : String(error)}`),
  );

  constructor(
    @InjectRepository(Membership) private readonly memberships: Repository<Membership>,
    private readonly repository: ProvisioningRepository,
    private readonly dataSource: DataSource,
    private readonly domains: DomainsService,
    private readonly audit: AuditService,
    private readonly rolesCache: RolesCache,
  ) {}

  async beforeApplicationShutdown(): Promise<void> {
    await this.identitiesTouched();
  }

  /** Resolves once every login noted on an identity so far is written (or its write failed). */
  identitiesTouched(): Promise<void> {
    return this.identityTouches.settled();
  }

  /** Invites an email of the organization's own domains; inviting again updates the role. */
  async invite(caller: Caller, input: InviteUserInput): Promise<Invitation> {
    assertCanActOn(caller, input.organizationId);
    const email = normalizeEmail(input.email);
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
        details: {
          from: before,
          to: { roles: membership.roles, resources: membership.resources },
          manual: membership.rolesManagedManually,
        },
      });
      return membership;
    });
  }

  /** Removes a member; their sessions end with the membership (the sessions' foreign key cascades). */
  async removeMember(caller: Caller, organizationId: string, userId: string): Promise<boolean> {
    assertCanActOn(caller, organizationId);
    return this.changingRoles(organizationId, async (manager) => {
      const removed = await manager.delete(Membership, { organizationId, userId });
      if (!removed.affected) throw new NotFoundError('member');
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

  /** A member's roles, found by user id or by email; undefined when not a member. */
  async rolesOf(caller: Caller, organizationId: string, by: { userId?: string; email?: string }): Promise<MemberRoles | undefined> {
    assertCanActOn(caller, organizationId);
    if (!by.userId && !by.email) throw new BadInputError('userId', 'give userId or email');
    const email = by.email === undefined ? undefined : normalizeEmail(by.email);
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
    const row = await this.repository.memberRoles(organizationId, userId ? { userId } : { email: email! });
    return row ? { userId: row.user_id, organizationId, roles: row.roles, resources: row.resources } : undefined;
  }

  /**
   * Signs a person in through an organization's connection: reads the facts, lets `decideLogin`
   * decide, and writes what it decided (the account, the identity, the membership, the roles).
   * Throws LoginRefusedError when refused.
   */
  async provisionSsoLogin(connection: Connection, profile: SsoProfile): Promise<ProvisionedMember> {
    const organizationId = connection.organizationId;
    const identity: LoginIdentity = { connectionId: connection.id, subject: profile.subject, groups: profile.groups };
    const { row, decision } = await this.decide(connection, profile, identity);
    const account = { email: profile.email, firstName: profile.firstName ?? row.first_name, lastName: profile.lastName ?? row.last_name };
    const namesChanged = row.account_id !== null && (account.firstName !== row.first_name || account.lastName !== row.last_name);
    // A returning member with nothing to change: recording the login on the identity is all, and it can wait.
    if (
      !decision.newAccount &&
      !decision.linkIdentity &&
      !decision.newEmail &&
      !namesChanged &&
      !decision.newMembership &&
      !decision.rolesChanged &&
      !profile.groupsUnavailable
    ) {
      this.identityTouches.add({ ...identity, at: new Date() });
      return { userId: row.account_id!, organizationId, email: row.account_email!, roles: decision.roles };
    }
    if (decision.newAccount && !profile.groupsUnavailable) {
      const first = await this.provisionFirstLogin(organizationId, identity, account, decision);
      if (first) return first;
    }
    let rolesChanged = false;
    const member = await this.dataSource.transaction(async (manager) => {
      let userId = row.account_id;
      let email = row.account_email!;
      if (userId === null) {
        ({ id: userId, email } = await this.repository.upsertAccount(manager, organizationId, account));
      } else if (decision.newEmail || namesChanged) {
        email = decision.newEmail ?? email;
        await this.updateAccount(manager, userId, { ...account, email });
      }
      if (decision.linkIdentity) await this.repository.linkIdentity(manager, identity, userId);
      else await this.repository.touchIdentity(identity, new Date(), manager);
      let membershipId = row.membership_id;
      let roles = decision.roles;
      if (decision.newMembership) {
        const admitted = await this.admit(manager, organizationId, userId, decision, { connectionId: connection.id });
        membershipId = admitted.id;
        rolesChanged = admitted.created;
        // A simultaneous login made the membership: its roles, unless set by hand, follow this login.
        if (!admitted.created && admitted.roles_managed_manually) roles = admitted.roles;
        else if (!admitted.created && !sameRoles(admitted.roles, roles)) {
          await this.repository.replaceRoles(manager, membershipId, roles);
          rolesChanged = true;
        }
      } else if (decision.rolesChanged) {
        await this.repository.replaceRoles(manager, membershipId!, roles);
        rolesChanged = true;
      }
      if (rolesChanged || decision.newEmail) await this.rolesCache.announceChange(manager, organizationId);
      if (profile.groupsUnavailable) {
        // The member signs in with the fallback role rather than not at all; say why, so an
        // admin can tell a missing role from a mapping mistake.
        await this.audit.record(manager, {
          organizationId,
          actor: `user:${userId}`,
          action: 'login.groups_overage',
          targetId: userId,
          details: { connectionId: connection.id, reason: profile.groupsUnavailable, roles },
        });
      }
      return { userId, organizationId, email, roles };
    });
    if (rolesChanged || decision.newEmail) this.rolesCache.invalidate(organizationId);
    return member;
  }

  /** The roles an SSO login would give, writing nothing (a test sign-in); throws LoginRefusedError as the login would. */
  async previewSsoLogin(connection: Connection, profile: SsoProfile): Promise<string[]> {
    const identity: LoginIdentity = { connectionId: connection.id, subject: profile.subject, groups: profile.groups };
    return (await this.decide(connection, profile, identity)).decision.roles;
  }

  /** True when the email may sign in to the organization by email: a member, or a pending invitation. */
  isMemberOrInvited(organizationId: string, email: string): Promise<boolean> {
    return this.repository.isMemberOrInvited(organizationId, normalizeEmail(email));
  }

  /**
   * The member an email sign-in (magic link) stands for, by the same decision as a login: the
   * mailed link proved the mailbox, so the email is trusted; there is no identity and no groups,
   * and no account is made without an invitation. Undefined when refused.
   */
  async admitByEmail(organizationId: string, rawEmail: string, method: string): Promise<ProvisionedMember | undefined> {
    const email = normalizeEmail(rawEmail);
    const domain = emailDomain(email) ?? '';
    const row = await this.repository.loginFacts(organizationId, null, email, domain);
    const decision = decideLogin(factsOf(row, { via: 'email_link', email, emailDomain: domain, emailTrusted: true, groups: null }));
    if (!decision.admitted) return undefined;
    if (!decision.newMembership) return { userId: row.account_id!, organizationId, email: row.account_email!, roles: decision.roles };
    let created = false;
    const member = await this.dataSource.transaction(async (manager) => {
      const userId =
        row.account_id ?? (await this.repository.upsertAccount(manager, organizationId, { email, firstName: null, lastName: null })).id;
      const admitted = await this.admit(manager, organizationId, userId, decision, { method });
      created = admitted.created;
      if (created) await this.rolesCache.announceChange(manager, organizationId);
      return { userId, organizationId, email, roles: admitted.roles };
    });
    if (created) this.rolesCache.invalidate(organizationId);
    return member;
  }

  /** The facts of an SSO login and the decision on them; throws LoginRefusedError when refused. */
  private async decide(
    connection: Connection,
    profile: SsoProfile,
    identity: LoginIdentity,
  ): Promise<{ row: LoginFactsRow; decision: Admission }> {
    const domain = emailDomain(profile.email) ?? '';
    const row = await this.repository.loginFacts(connection.organizationId, identity, profile.email, domain);
    const emailTrusted = isEmailTrusted(profile.emailVerified, {
      presetVouchesForOwnDomains: PRESETS[connection.type].vouchesForEmailsInOwnDomains,
      inOrganizationDomains: row.in_organization_domains,
    });
    const decision = decideLogin(
      factsOf(row, { via: 'sso', email: profile.email, emailDomain: domain, emailTrusted, groups: profile.groups }),
    );
    if (!decision.admitted) throw new LoginRefusedError(decision.code, decision.detail);
    return { row, decision };
  }

  /**
   * A first login in one statement (ProvisioningRepository.provisionFirstLogin). A loser of a race
   * of simultaneous first logins whose membership the winner made with the same roles is done
   * with one more read; anything else (undefined) goes the step-by-step way.
   */
  private async provisionFirstLogin(
    organizationId: string,
    identity: LoginIdentity,
    account: { email: string; firstName: string | null; lastName: string | null },
    decision: Admission,
  ): Promise<ProvisionedMember | undefined> {
    const row = await this.repository.provisionFirstLogin(organizationId, identity, account, decision.roles, decision.acceptInvitationId);
    if (row.membership_id !== null) {
      this.rolesCache.invalidate(organizationId);
      return { userId: row.user_id, organizationId, email: row.email, roles: row.roles! };
    }
    const winner = await this.repository.membership(organizationId, row.user_id);
    if (winner && (winner.roles_managed_manually || sameRoles(winner.roles, decision.roles))) {
      return { userId: row.user_id, organizationId, email: row.email, roles: winner.roles };
    }
    return undefined;
  }

  /** The account's new names and email; an email another account took meanwhile is refused, never merged. */
  private async updateAccount(
    manager: EntityManager,
    userId: string,
    account: { email: string; firstName: string | null; lastName: string | null },
  ) {
    try {
      await manager.transaction((savepoint) => this.repository.updateAccount(savepoint, userId, account));
    } catch (error) {
      if (isUniqueViolation(error, 'users__organization_id__email__unique')) {
        throw new LoginRefusedError(LoginRefusalCode.EMAIL_IN_USE, `another account of the organization took ${account.email}`);
      }
      throw error;
    }
  }

  /** Makes the account a member; only the call that made the membership records the provisioning. */
  private async admit(manager: EntityManager, organizationId: string, userId: string, decision: Admission, via: Record<string, string>) {
    const admitted = await this.repository.admit(manager, organizationId, userId, decision.roles, decision.acceptInvitationId);
    if (admitted.created) {
      await this.audit.record(manager, {
        organizationId,
        actor: `user:${userId}`,
        action: 'user.provisioned',
        targetId: userId,
        details: { ...via, roles: admitted.roles, invited: Boolean(decision.acceptInvitationId) },
      });
    }
    return admitted;
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
}

/** The decision's facts from the login's one read and what the way in knows. */
function factsOf(row: LoginFactsRow, known: Pick<LoginFacts, 'via' | 'email' | 'emailDomain' | 'emailTrusted' | 'groups'>): LoginFacts {
  return {
    ...known,
    organization: { jitProvisioning: row.jit_provisioning, defaultRole: row.default_role },
    emailInOrganizationDomains: row.in_organization_domains,
    account:
      row.account_id === null
        ? null
        : { id: row.account_id, email: row.account_email!, foundBy: row.found_by_identity ? 'identity' : 'email' },
    emailUsedByAnotherAccount: row.email_used_by_another,
    membership:
      row.membership_id === null ? null : { roles: row.membership_roles!, rolesManagedManually: row.roles_managed_manually ?? false },
    invitation: row.invitation_id === null ? null : { id: row.invitation_id, role: row.invitation_role! },
    mappedRoles: row.mapped_roles,
  };
}
