import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { createHash, randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ApiKey, ApiKeyScope } from './entities/api-key.entity';
import { Caller, actorOf, assertCanActOn, isPlatformCaller } from '../common/caller';
import { BadInputError, ForbiddenError, NotFoundError } from '../common/errors';
import { AuditService } from '../audit/audit.service';
import { Organization } from '../organizations/entities/organization.entity';

/** Verified keys are remembered briefly so hot paths (the roles API) skip the database. */
const VERIFIED_KEY_TTL_MS = 30_000;
const BOOTSTRAP_PREFIX = 'bootstrap';

export function hashApiKey(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

@Injectable()
export class ApiKeysService implements OnApplicationBootstrap {
  private readonly verified = new LRUCache<string, Caller | false>({ max: 10_000, ttl: VERIFIED_KEY_TTL_MS });

  constructor(
    @InjectRepository(ApiKey) private readonly apiKeys: Repository<ApiKey>,
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Makes BOOTSTRAP_ADMIN_API_KEY a platform admin key, idempotently (also across instances). */
  async onApplicationBootstrap(): Promise<void> {
    const secret = this.config.bootstrapAdminApiKey;
    if (!secret) return;
    await this.apiKeys
      .createQueryBuilder()
      .insert()
      .values({ organizationId: null, prefix: BOOTSTRAP_PREFIX, secretHash: hashApiKey(secret), scopes: ['admin'] })
      .orIgnore()
      .execute();
  }

  /**
   * The caller a key stands for when the last `authenticate` of it is still remembered: a Caller,
   * false for a key known to be invalid, undefined when it would need the database.
   */
  rememberedCaller(secret: string): Caller | false | undefined {
    return this.verified.get(hashApiKey(secret));
  }

  /** The caller a presented key stands for, or undefined for an unknown or revoked key. */
  async authenticate(secret: string): Promise<Caller | undefined> {
    const hash = hashApiKey(secret);
    const remembered = this.verified.get(hash);
    if (remembered !== undefined) return remembered || undefined;
    const key = await this.apiKeys.findOne({ where: { secretHash: hash } });
    const caller: Caller | false =
      key && !key.revokedAt ? { apiKeyId: key.id, organizationId: key.organizationId, scopes: key.scopes } : false;
    this.verified.set(hash, caller);
    return caller || undefined;
  }

  /** Creates a key and returns its secret, which is shown this once and stored only hashed. */
  async create(caller: Caller, input: { organizationId?: string | null; scopes: ApiKeyScope[] }): Promise<{ apiKey: ApiKey; secret: string }> {
    const organizationId = input.organizationId ?? null;
    if (organizationId === null && !isPlatformCaller(caller)) {
      throw new ForbiddenError('only a platform key may create platform keys');
    }
    if (organizationId !== null) assertCanActOn(caller, organizationId);
    if (input.scopes.length === 0) throw new BadInputError('scopes', 'must name at least one scope');
    const prefix = `sk_${randomBytes(5).toString('hex')}`;
    const secret = `${prefix}_${randomBytes(32).toString('base64url')}`;
    const apiKey = await this.dataSource.transaction(async (manager) => {
      if (organizationId !== null && !(await manager.existsBy(Organization, { id: organizationId }))) {
        throw new NotFoundError('organization');
      }
      const saved = await manager.save(
        manager.create(ApiKey, { organizationId, prefix, secretHash: hashApiKey(secret), scopes: [...new Set(input.scopes)] }),
      );
      await this.audit.record(manager, {
        organizationId,
        actor: actorOf(caller),
        action: 'api_key.created',
        targetId: saved.id,
        details: { prefix, scopes: saved.scopes },
      });
      return saved;
    });
    return { apiKey, secret };
  }
}
