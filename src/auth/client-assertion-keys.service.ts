import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { ClientAssertionKey } from './entities/client-assertion-key.entity';
import { SecretsCipher } from '../common/secrets-cipher';
import { AuditService } from '../audit/audit.service';
import { Refreshing } from '../common/refreshing';

/** RS256: the one algorithm every IdP accepts for private_key_jwt (Okta, Entra ID, Keycloak, oidc-provider). */
const ALGORITHM = 'RS256';
/** Keys are reread at most this often, so a rotation on another instance is seen soon. */
const REFRESH_MS = 60_000;
/**
 * A rotated-in key is published at once and signs only this much later: IdPs cache a client's
 * JWKS (oidc-provider at least a minute, this service's answer says 5), and one that has not
 * seen the new key yet would refuse every login signed with it.
 */
const SIGNS_AFTER_PUBLISHED_MS = 3600_000;
/** How many of the newest keys are published: the one that signs, and those rotated in after it. */
const PUBLISHED_KEYS = 3;

interface LoadedKeys {
  /** Newest first. */
  keys: { kid: string; key: CryptoKey; createdAt: Date }[];
  publicJwks: JWK[];
}

/**
 * The service's own key pair for private_key_jwt client authentication: created at first use,
 * the private half sealed with SECRETS_KEY. A rotation publishes a new key that takes over
 * signing an hour later; the first key signs at once (no IdP knows a client of it yet).
 */
@Injectable()
export class ClientAssertionKeysService implements OnApplicationBootstrap {
  private readonly loaded = new Refreshing(() => this.load(), REFRESH_MS);

  constructor(
    @InjectRepository(ClientAssertionKey) private readonly keys: Repository<ClientAssertionKey>,
    private readonly dataSource: DataSource,
    private readonly cipher: SecretsCipher,
    private readonly audit: AuditService,
  ) {}

  /** After a SECRETS_KEY rotation, the private keys move to the new key at the first start. */
  async onApplicationBootstrap(): Promise<void> {
    await this.cipher.resealWithCurrentKey(this.dataSource, 'client_assertion_keys', 'private_jwk_encrypted');
  }

  async jwks(): Promise<{ keys: JWK[] }> {
    return { keys: (await this.loaded.get()).publicJwks };
  }

  /** The key that signs client assertions now: the newest one published long enough, else the oldest published. */
  async signingKey(): Promise<{ key: CryptoKey; kid: string }> {
    const { key, kid } = signingKeyAmong((await this.loaded.get()).keys, new Date());
    return { key, kid };
  }

  /** Publishes a new key at once, audited; it signs from an hour later, on every instance. */
  async rotate(actor: string): Promise<ClientAssertionKey> {
    const key = await this.dataSource.transaction(async (manager) => {
      const created = await this.insertKey(manager.getRepository(ClientAssertionKey));
      await this.audit.record(manager, { organizationId: null, actor, action: 'client_assertion_key.rotated', targetId: created.id });
      return created;
    });
    this.loaded.forget();
    return key;
  }

  private async load(): Promise<LoadedKeys> {
    let rows = await this.keys.find({ order: { createdAt: 'DESC' }, take: PUBLISHED_KEYS });
    if (!rows.length) {
      await this.createFirstKey();
      rows = await this.keys.find({ order: { createdAt: 'DESC' }, take: PUBLISHED_KEYS });
    }
    const keys = await Promise.all(
      rows.map(async (row) => ({
        kid: row.id,
        key: (await importJWK(JSON.parse(this.cipher.open(row.privateJwkEncrypted)) as JWK, row.algorithm)) as CryptoKey,
        createdAt: row.createdAt,
      })),
    );
    return { keys, publicJwks: rows.map((row) => row.publicJwk as JWK) };
  }

  /** One first key, even when several instances need one at once. */
  private async createFirstKey(): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.query("SELECT pg_advisory_xact_lock(hashtext('client_assertion_keys.rotate'))");
      if (await manager.exists(ClientAssertionKey)) return;
      await this.insertKey(manager.getRepository(ClientAssertionKey));
    });
  }

  private async insertKey(keys: Repository<ClientAssertionKey>): Promise<ClientAssertionKey> {
    const { publicKey, privateKey } = await generateKeyPair(ALGORITHM, { extractable: true });
    const kid = randomUUID();
    const row = keys.create({
      id: kid,
      algorithm: ALGORITHM,
      publicJwk: { ...(await exportJWK(publicKey)), kid, alg: ALGORITHM, use: 'sig' },
      privateJwkEncrypted: this.cipher.seal(JSON.stringify(await exportJWK(privateKey))),
    });
    return keys.save(row);
  }
}

/**
 * Of the published keys (newest first), the one that signs: the newest published long enough
 * for IdPs to have seen it, else the oldest published (the very first key signs at once).
 */
export function signingKeyAmong<T extends { createdAt: Date }>(publishedNewestFirst: T[], now: Date): T {
  return (
    publishedNewestFirst.find((key) => now.getTime() - key.createdAt.getTime() >= SIGNS_AFTER_PUBLISHED_MS) ??
    publishedNewestFirst[publishedNewestFirst.length - 1]
  );
}
