import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { OidcSigningKey } from './entities/oidc-signing-key.entity';
import { SecretsCipher } from '../common/secrets-cipher';
import { Refreshing } from '../common/refreshing';

/** RS256: the algorithm every OpenID Connect client supports (the spec's default for ID tokens). */
const ALGORITHM = 'RS256';
const ROTATE_AFTER_MS = 30 * 24 * 3600 * 1000;
/** Keys are reread at most this often, so a rotation on another instance is seen soon. */
const REFRESH_MS = 60_000;

export interface ProviderKeys {
  /** Private JWKs, newest first: oidc-provider signs with the first and publishes all. */
  keys: JWK[];
  /** Changes exactly when the set of keys does. */
  fingerprint: string;
}

/**
 * The OpenID Provider's ID-token signing keys, kept in PostgreSQL with the private half sealed
 * and rotated every 30 days like the session keys; the JWKS lists the current and the previous key.
 */
@Injectable()
export class OidcSigningKeysService implements OnApplicationBootstrap {
  private readonly loaded = new Refreshing(() => this.load(), REFRESH_MS);

  constructor(
    @InjectRepository(OidcSigningKey) private readonly keys: Repository<OidcSigningKey>,
    private readonly dataSource: DataSource,
    private readonly cipher: SecretsCipher,
  ) {}

  /** After a SECRETS_KEY rotation, the private keys move to the new key at the first start. */
  async onApplicationBootstrap(): Promise<void> {
    await this.cipher.resealWithCurrentKey(this.dataSource, 'oidc_signing_keys', 'private_jwk_encrypted');
  }

  current(): Promise<ProviderKeys> {
    return this.loaded.get();
  }

  private async load(): Promise<ProviderKeys> {
    let rows = await this.keys.find({ order: { createdAt: 'DESC' }, take: 2 });
    if (!rows.length || Date.now() - rows[0].createdAt.getTime() > ROTATE_AFTER_MS) {
      await this.rotate();
      rows = await this.keys.find({ order: { createdAt: 'DESC' }, take: 2 });
    }
    const keys = rows.map((row) => ({
      ...(JSON.parse(this.cipher.open(row.privateJwkEncrypted)) as JWK),
      kid: row.id,
      alg: row.algorithm,
      use: 'sig',
    }));
    return { keys, fingerprint: rows.map((row) => row.id).join(',') };
  }

  /** One new key, even when several instances decide to rotate at once. */
  private async rotate(): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.query("SELECT pg_advisory_xact_lock(hashtext('oidc_signing_keys.rotate'))");
      const newest = await manager.findOne(OidcSigningKey, { where: {}, order: { createdAt: 'DESC' } });
      if (newest && Date.now() - newest.createdAt.getTime() <= ROTATE_AFTER_MS) return;
      const { privateKey } = await generateKeyPair(ALGORITHM, { extractable: true });
      await manager.insert(OidcSigningKey, {
        id: randomUUID(),
        algorithm: ALGORITHM,
        privateJwkEncrypted: this.cipher.seal(JSON.stringify(await exportJWK(privateKey))),
      });
      if (newest) await manager.update(OidcSigningKey, { id: newest.id }, { retiredAt: new Date() });
    });
  }
}
