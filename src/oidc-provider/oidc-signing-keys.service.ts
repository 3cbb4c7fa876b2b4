import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { OidcSigningKey } from './entities/oidc-signing-key.entity';
import { SecretsCipher } from '../common/secrets-cipher';
import { Refreshing } from '../common/refreshing';
import { newestKeysRotatedWhenDue } from '../database/key-rotation';

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
    const rows = await newestKeysRotatedWhenDue(this.dataSource, OidcSigningKey, {
      lockName: 'oidc_signing_keys.rotate',
      rotateAfterMs: ROTATE_AFTER_MS,
      count: 2,
      newKey: async () => {
        const { privateKey } = await generateKeyPair(ALGORITHM, { extractable: true });
        return {
          id: randomUUID(),
          algorithm: ALGORITHM,
          privateJwkEncrypted: this.cipher.seal(JSON.stringify(await exportJWK(privateKey))),
        };
      },
    });
    const keys = rows.map((row) => ({
      ...(JSON.parse(this.cipher.open(row.privateJwkEncrypted)) as JWK),
      kid: row.id,
      alg: row.algorithm,
      use: 'sig',
    }));
    return { keys, fingerprint: rows.map((row) => row.id).join(',') };
  }
}
