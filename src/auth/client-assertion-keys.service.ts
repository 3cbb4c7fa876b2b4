import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { ClientAssertionKey } from './entities/client-assertion-key.entity';
import { SecretsCipher } from '../common/secrets-cipher';

/** RS256: the one algorithm every IdP accepts for private_key_jwt (Okta, Entra ID, Keycloak, oidc-provider). */
const ALGORITHM = 'RS256';
/** Keys are reread at most this often, so a rotation on another instance is seen soon. */
const REFRESH_MS = 60_000;

interface LoadedKeys {
  current: { kid: string; key: CryptoKey };
  publicJwks: JWK[];
  loadedAt: number;
}

/**
 * The service's own key pair for private_key_jwt client authentication: created at first use,
 * the private half sealed with SECRETS_KEY, the public half published with the previous one (an
 * IdP that cached the JWKS still finds the key of a request signed just before a rotation).
 */
@Injectable()
export class ClientAssertionKeysService implements OnApplicationBootstrap {
  private loaded?: Promise<LoadedKeys>;

  constructor(
    @InjectRepository(ClientAssertionKey) private readonly keys: Repository<ClientAssertionKey>,
    private readonly dataSource: DataSource,
    private readonly cipher: SecretsCipher,
  ) {}

  /** After a SECRETS_KEY rotation, the private keys move to the new key at the first start. */
  async onApplicationBootstrap(): Promise<void> {
    await this.cipher.resealWithCurrentKey(this.dataSource, 'client_assertion_keys', 'private_jwk_encrypted');
  }

  async jwks(): Promise<{ keys: JWK[] }> {
    return { keys: (await this.current()).publicJwks };
  }

  /** The key that signs client assertions now, with its kid. */
  async signingKey(): Promise<{ key: CryptoKey; kid: string }> {
    return (await this.current()).current;
  }

  /** A new key signs from now on, on every instance within a minute; the previous one stays published. */
  async rotate(): Promise<ClientAssertionKey> {
    const key = await this.dataSource.transaction(async (manager) => {
      await manager.query("SELECT pg_advisory_xact_lock(hashtext('client_assertion_keys.rotate'))");
      const newest = await manager.findOne(ClientAssertionKey, { where: {}, order: { createdAt: 'DESC' } });
      const created = await this.insertKey(manager.getRepository(ClientAssertionKey));
      if (newest) await manager.update(ClientAssertionKey, { id: newest.id }, { retiredAt: new Date() });
      return created;
    });
    this.loaded = undefined;
    return key;
  }

  private current(): Promise<LoadedKeys> {
    const cached = this.loaded;
    if (cached) return cached.then((keys) => (Date.now() - keys.loadedAt < REFRESH_MS ? keys : this.reload()));
    return this.reload();
  }

  private reload(): Promise<LoadedKeys> {
    const loading = this.load();
    this.loaded = loading;
    loading.catch(() => {
      if (this.loaded === loading) this.loaded = undefined;
    });
    return loading;
  }

  private async load(): Promise<LoadedKeys> {
    let rows = await this.keys.find({ order: { createdAt: 'DESC' }, take: 2 });
    if (!rows.length) {
      await this.createFirstKey();
      rows = await this.keys.find({ order: { createdAt: 'DESC' }, take: 2 });
    }
    const [newest] = rows;
    const key = (await importJWK(JSON.parse(this.cipher.open(newest.privateJwkEncrypted)) as JWK, newest.algorithm)) as CryptoKey;
    return { current: { kid: newest.id, key }, publicJwks: rows.map((row) => row.publicJwk as JWK), loadedAt: Date.now() };
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
      retiredAt: null,
    });
    return keys.save(row);
  }
}
