import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, In, Repository } from 'typeorm';
import { Organization } from './entities/organization.entity';
import { CreateOrganizationInput, UpdateOrganizationInput } from './dto/organization.input';
import { Caller, actorOf, assertCanActOn, isPlatformCaller } from '../common/caller';
import { BadInputError, ForbiddenError, NotFoundError } from '../common/errors';
import { AuditService } from '../audit/audit.service';
import { SsoReadiness } from './sso-readiness';
import { isUniqueViolation } from '../database/postgres-errors';

/** A slug from a display name: "Acme Corp." → "acme-corp". */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 50)
    .replace(/-+$/, '');
  return slug || 'org';
}

const SSO_REQUIRED_NEEDS_VERIFIED_CONNECTION =
  'needs an ACTIVE connection with at least one successful sign-in (a real login or a test sign-in), so nobody is locked out';

@Injectable()
export class OrganizationsService {
  constructor(
    @InjectRepository(Organization) private readonly organizations: Repository<Organization>,
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly ssoReadiness: SsoReadiness,
  ) {}

  /** The organization, if it exists and the caller may see it. */
  async find(caller: Caller, id: string): Promise<Organization | null> {
    if (caller.organizationId !== null && caller.organizationId !== id) return null;
    return this.organizations.findOneBy({ id });
  }

  async get(caller: Caller, id: string): Promise<Organization> {
    const organization = await this.find(caller, id);
    if (!organization) throw new NotFoundError('organization');
    return organization;
  }

  list(caller: Caller): Promise<Organization[]> {
    return this.organizations.find({
      where: caller.organizationId === null ? {} : { id: caller.organizationId },
      order: { createdAt: 'ASC' },
    });
  }

  async create(caller: Caller, input: CreateOrganizationInput): Promise<Organization> {
    if (!isPlatformCaller(caller)) throw new ForbiddenError('only a platform key may create organizations');
    return this.dataSource.transaction(async (manager) => {
      const slug = input.slug ?? (await this.freeSlug(manager, slugify(input.name)));
      const organization = manager.create(Organization, {
        name: input.name.trim(),
        slug,
        jitProvisioning: input.jitProvisioning ?? true,
        defaultRole: input.defaultRole ?? 'editor',
      });
      try {
        await manager.save(organization);
      } catch (error) {
        if (isUniqueViolation(error, 'organizations__slug__unique')) {
          throw new BadInputError('slug', 'is already taken');
        }
        throw error;
      }
      await this.audit.record(manager, {
        organizationId: organization.id,
        actor: actorOf(caller),
        action: 'organization.created',
        targetId: organization.id,
        details: { slug },
      });
      return organization;
    });
  }

  async update(caller: Caller, id: string, input: UpdateOrganizationInput): Promise<Organization> {
    assertCanActOn(caller, id);
    return this.dataSource.transaction(async (manager) => {
      const organization = await manager.findOne(Organization, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!organization) throw new NotFoundError('organization');
      const before = { ...organization };
      if (input.ssoRequired === true && !organization.ssoRequired && !(await this.ssoReadiness.hasVerifiedConnection(manager, id))) {
        throw new BadInputError('ssoRequired', SSO_REQUIRED_NEEDS_VERIFIED_CONNECTION);
      }
      // Lifting the requirement is never refused (a platform key is the break-glass when the
      // organization's own admins cannot get in), but it reopens the other ways in: audited apart.
      const lifting = input.ssoRequired === false && organization.ssoRequired;
      if (input.name != null) organization.name = input.name.trim();
      if (input.jitProvisioning != null) organization.jitProvisioning = input.jitProvisioning;
      if (input.defaultRole != null) organization.defaultRole = input.defaultRole;
      if (input.ssoRequired != null) organization.ssoRequired = input.ssoRequired;
      await manager.save(organization);
      const changed = (['name', 'jitProvisioning', 'defaultRole', 'ssoRequired'] as const).filter(
        (key) => before[key] !== organization[key],
      );
      await this.audit.record(manager, {
        organizationId: id,
        actor: actorOf(caller),
        action: lifting ? 'organization.sso_requirement_lifted' : 'organization.updated',
        targetId: id,
        details: Object.fromEntries(changed.map((key) => [key, { from: before[key], to: organization[key] }])),
      });
      return organization;
    });
  }

  /** The given slug, or it with the lowest free numeric suffix. */
  private async freeSlug(manager: EntityManager, base: string): Promise<string> {
    const candidates = [base, ...Array.from({ length: 20 }, (_, index) => `${base}-${index + 2}`)];
    const taken = new Set(
      (await manager.find(Organization, { select: { slug: true }, where: { slug: In(candidates) } })).map((org) => org.slug),
    );
    return candidates.find((slug) => !taken.has(slug)) ?? `${base}-${Date.now().toString(36)}`;
  }
}
