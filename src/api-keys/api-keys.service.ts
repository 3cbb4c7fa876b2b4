import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, IsNull, Repository } from 'typeorm';
import type { Logger } from 'pino';
import { createHash, randomBytes } from 'node:crypto';
import { growingLruCache } from '../common/growing-lru-cache';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ApiKey } from './entities/api-key.entity';
import {
  Caller,
  CallerAuthenticator,
  actorOf,
  type ApiKeyScope,
  assertCanActOn,
  isPlatformCaller,
  withinCallerScope,
} from '../common/caller';
import { BackgroundWork } from '../common/background-work';
import { LOGGER } from '../logging/logger';
import { ApiKeyRevocations } from './api-key-revocations';
import { BadInputError, ForbiddenError, NotFoundError } from '../common/errors';
import { AuditService } from '../audit/audit.service';
import { Organization } from '../organizations/entities/organization.entity';

/**
 * Verified keys are remembered briefly so hot paths (the roles API) skip the database; a
 * revocation on any instance reaches every instance's memory through ApiKeyRevocations.
 */
const VERIFIED_KEY_TTL_MS = 30_000;
/** `lastUsedAt` is written at most this often per key (and the UPDATE itself checks it, across instances). */
const LAST_USED_RESOLUTION_MS = 60_000;
/** The prefix that marks the key made from BOOTSTRAP_ADMIN_API_KEY (created keys start with `sk_`). */
const BOOTSTRAP_PREFIX = 'bootstrap';
const BOOTSTRAP_ACTOR = 'system:bootstrap';

export function hashApiKey(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

@Injectable()
export class ApiKeysService implements OnApplicationBootstrap, OnApplicationShutdown, CallerAuthenticator {
  private readonly verified = growingLruCache<string, Caller | false>(10_000, { ttl: VERIFIED_KEY_TTL_MS });
  /** Keys whose use was written less than a minute ago. */
  private readonly recentlyUsed = growingLruCache<string, true>(10_000, { ttl: LAST_USED_RESOLUTION_MS });
  /** Counts revocations heard, so a lookup that raced one does not remember its stale answer. */
  private revocationsHeard = 0;
  private readonly background: BackgroundWork;

  constructor(
    @InjectRepository(ApiKey) private readonly apiKeys: Repository<ApiKey>,
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly revocations: ApiKeyRevocations,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.background = new BackgroundWork((error) =>
      logger.warn({ err: { message: (error as Error).message } }, 'could not record an API key use'),
    );
    revocations.onRevocations(
      (secretHash) => this.forget(secretHash),
      () => {
        this.revocationsHeard += 1;
        this.verified.clear();
      },
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.ensureBootstrapKey();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.usesRecorded();
  }

  /** Resolves once every key use noted so far is written (for the shutdown, or a reader that must see it). */
  usesRecorded(): Promise<void> {
    return this.background.settled();
  }

  /**
   * Makes BOOTSTRAP_ADMIN_API_KEY a platform admin key, idempotently (also across instances), and
   * revokes (audited, on every instance) any earlier bootstrap key: a changed value replaces the
   * old one. A configured key that an admin revoked stays revoked; the log says so.
   */
  private async ensureBootstrapKey(): Promise<void> {
    const secret = this.config.bootstrapAdminApiKey;
    if (!secret) return;
    const secretHash = hashApiKey(secret);
    const heardByEveryInstance: Promise<void>[] = [];
    const replaced = await this.dataSource.transaction(async (manager) => {
      await manager
        .createQueryBuilder()
        .insert()
        .into(ApiKey)
        .values({ organizationId: null, prefix: BOOTSTRAP_PREFIX, secretHash, scopes: ['admin'] })
        .orIgnore()
        .execute();
      // TypeORM answers an UPDATE … RETURNING with [rows, count].
      const [rows] = (await manager.query(
        'UPDATE api_keys SET revoked_at = now() WHERE prefix = $1 AND secret_hash <> $2 AND revoked_at IS NULL RETURNING id, secret_hash',
        [BOOTSTRAP_PREFIX, secretHash],
      )) as [{ id: string; secret_hash: string }[], number];
      for (const row of rows) {
        await this.audit.record(manager, {
          organizationId: null,
          actor: BOOTSTRAP_ACTOR,
          action: 'api_key.revoked',
          targetId: row.id,
          details: { prefix: BOOTSTRAP_PREFIX, reason: 'BOOTSTRAP_ADMIN_API_KEY changed' },
        });
        if (this.revocations.listening) heardByEveryInstance.push(this.revocations.echoOf(row.secret_hash));
        await this.revocations.announce(manager, row.secret_hash);
      }
      return rows;
    });
    for (const row of replaced) this.forget(row.secret_hash);
    // As for revoke: the start completes once PostgreSQL has delivered the notice to every instance.
    await Promise.all(heardByEveryInstance);
  }

  /**
   * The caller a key stands for when the last `authenticate` of it is still remembered: a Caller,
   * false for a key known to be invalid, undefined when it would need the database (also whenever
   * revocations by other instances cannot be heard).
   */
  rememberedCaller(secret: string): Caller | false | undefined {
    if (!this.revocations.listening) return undefined;
    const caller = this.verified.get(hashApiKey(secret));
    if (caller) this.noteUse(caller.apiKeyId);
    return caller;
  }

  /** The caller a presented key stands for, or undefined for an unknown or revoked key. */
  async authenticate(secret: string): Promise<Caller | undefined> {
    const remembered = this.rememberedCaller(secret);
    if (remembered !== undefined) return remembered || undefined;
    const hash = hashApiKey(secret);
    const heardBefore = this.revocationsHeard;
    const key = await this.apiKeys.findOne({ where: { secretHash: hash } });
    const caller: Caller | false =
      key && !key.revokedAt ? { apiKeyId: key.id, organizationId: key.organizationId, scopes: key.scopes } : false;
    if (this.revocationsHeard === heardBefore) this.verified.set(hash, caller);
    if (caller) this.noteUse(caller.apiKeyId);
    return caller || undefined;
  }

  /** Keys of one organization, or the platform keys (organizationId omitted: platform keys only). */
  async list(caller: Caller, organizationId: string | undefined): Promise<ApiKey[]> {
    if (organizationId === undefined) {
      if (!isPlatformCaller(caller)) throw new ForbiddenError('only a platform key may list platform keys');
      return this.apiKeys.find({ where: { organizationId: IsNull() }, order: { createdAt: 'ASC', id: 'ASC' } });
    }
    assertCanActOn(caller, organizationId);
    return this.apiKeys.find({ where: { organizationId }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /** Revokes a key at once on every instance (audited); revoking a revoked key changes nothing. */
  async revoke(caller: Caller, id: string): Promise<ApiKey> {
    let heardByEveryInstance: Promise<void> = Promise.resolve();
    const key = await this.dataSource.transaction(async (manager) => {
      const found = await manager.findOne(ApiKey, { where: withinCallerScope(caller, { id }), lock: { mode: 'pessimistic_write' } });
      if (!found) throw new NotFoundError('API key');
      if (found.revokedAt) return found;
      found.revokedAt = new Date();
      await manager.update(ApiKey, { id }, { revokedAt: found.revokedAt });
      await this.audit.record(manager, {
        organizationId: found.organizationId,
        actor: actorOf(caller),
        action: 'api_key.revoked',
        targetId: found.id,
        details: { prefix: found.prefix },
      });
      if (this.revocations.listening) heardByEveryInstance = this.revocations.echoOf(found.secretHash);
      await this.revocations.announce(manager, found.secretHash);
      return found;
    });
    this.forget(key.secretHash);
    await heardByEveryInstance;
    return key;
  }

  private forget(secretHash: string): void {
    this.revocationsHeard += 1;
    this.verified.delete(secretHash);
  }

  /** Records a key's use, at most once a minute per key and instance; the UPDATE skips a fresh value. */
  private noteUse(apiKeyId: string): void {
    if (this.recentlyUsed.has(apiKeyId)) return;
    this.recentlyUsed.set(apiKeyId, true);
    this.background.run(
      this.apiKeys
        .createQueryBuilder()
        .update()
        .set({ lastUsedAt: () => 'now()' })
        .where("id = :apiKeyId AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')", { apiKeyId })
        .execute(),
    );
  }

  /** Creates a key and returns its secret, which is shown this once and stored only hashed. */
  async create(
    caller: Caller,
    input: { organizationId?: string | null; scopes: ApiKeyScope[] },
  ): Promise<{ apiKey: ApiKey; secret: string }> {
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

  /** Whether any platform key still works: the start log says how to make one when none does. */
  hasActivePlatformKey(): Promise<boolean> {
    return this.apiKeys.exists({ where: { organizationId: IsNull(), revokedAt: IsNull() } });
  }
}
