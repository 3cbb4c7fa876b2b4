import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { Invitation } from './entities/invitation.entity';
import { Membership } from './entities/membership.entity';
import { User } from './entities/user.entity';
import { InviteUserInput } from './dto/invite-user.input';
import { Caller, actorOf, assertCanActOn } from '../common/caller';
import { BadInputError, NotFoundError } from '../common/errors';
import { AuditService } from '../audit/audit.service';
import { DomainsService } from '../domains/domains.service';
import { Organization } from '../organizations/entities/organization.entity';

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

  /** A member's roles, found by user id or by email; undefined when not a member. */
  async rolesOf(caller: Caller, organizationId: string, by: { userId?: string; email?: string }): Promise<MemberRoles | undefined> {
    assertCanActOn(caller, organizationId);
    if (!by.userId && !by.email) throw new BadInputError('userId', 'give userId or email');
    const query = this.memberships
      .createQueryBuilder('membership')
      .innerJoin(User, 'user', 'user.id = membership.user_id')
      .where('membership.organization_id = :organizationId', { organizationId });
    if (by.userId) query.andWhere('membership.user_id = :userId', { userId: by.userId });
    else query.andWhere('user.email = :email', { email: by.email!.trim().toLowerCase() });
    const membership = await query.getOne();
    return membership
      ? { userId: membership.userId, organizationId, roles: membership.roles, resources: membership.resources }
      : undefined;
  }
}
