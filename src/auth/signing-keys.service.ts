import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { randomUUID } from 'node:crypto';
import {
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  SignJWT,
  createLocalJWKSet,
  type JWK,
  type JWTPayload,
  type CryptoKey,
} from 'jose';
import { SigningKey } from './entities/signing-key.entity';
import { SecretsCipher } from '../common/secrets-cipher';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { Refreshing } from '../common/refreshing';
import { newestKeysRotatedWhenDue } from '../database/key-rotation';

const ALGORITHM = 'ES256';
const ROTATE_AFTER_MS = 30 * 24 * 3600 * 1000;
/** Keys are reread at most this often, so a rotation on another instance is seen soon. */
const REFRESH_MS = 60_000;

interface LoadedKeys {
  current: { kid: string; privateKey: CryptoKey };
  publicJwks: JWK[];
  /** Built once per load: it imports each public key on first use and keeps it. */
  verificationKeys: ReturnType<typeof createLocalJWKSet>;
}

/**
 * The ES256 key pairs that sign session tokens, kept in PostgreSQL with the private half
 * sealed, rotated every 30 days; the JWKS lists the current and the previous key.
 */
@Injectable()
export class SigningKeysService implements OnApplicationBootstrap {
  private readonly loaded = new Refreshing(() => this.load(), REFRESH_MS);

  constructor(
    private readonly dataSource: DataSource,
    private readonly cipher: SecretsCipher,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** After a SECRETS_KEY rotation, the private keys move to the new key at the first start. */
  async onApplicationBootstrap(): Promise<void> {
    await this.cipher.resealWithCurrentKey(this.dataSource, 'signing_keys', 'private_jwk_encrypted');
  }

  async jwks(): Promise<{ keys: JWK[] }> {
    return { keys: (await this.loaded.get()).publicJwks };
  }

  async sign(payload: JWTPayload & { sub: string; jti: string }, expiresInSeconds: number): Promise<string> {
    const { current } = await this.loaded.get();
    return new SignJWT(payload)
      .setProtectedHeader({ alg: ALGORITHM, kid: current.kid, typ: 'JWT' })
      .setIssuer(this.config.publicUrl)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + expiresInSeconds)
      .sign(current.privateKey);
  }

  /** The token's claims when it carries this service's valid signature; undefined otherwise. */
  async verify(token: string): Promise<JWTPayload | undefined> {
    const { verificationKeys } = await this.loaded.get();
    try {
      const { payload } = await jwtVerify(token, verificationKeys, { issuer: this.config.publicUrl, algorithms: [ALGORITHM] });
      return payload;
    } catch {
      return undefined;
    }
  }

  private async load(): Promise<LoadedKeys> {
    const rows = await newestKeysRotatedWhenDue(this.dataSource, SigningKey, {
      lockName: 'signing_keys.rotate',
      rotateAfterMs: ROTATE_AFTER_MS,
      count: 2,
      newKey: async () => {
        const { publicKey, privateKey } = await generateKeyPair(ALGORITHM, { extractable: true });
        const kid = randomUUID();
        return {
          id: kid,
          algorithm: ALGORITHM,
          publicJwk: { ...(await exportJWK(publicKey)), kid, alg: ALGORITHM, use: 'sig' },
          privateJwkEncrypted: this.cipher.seal(JSON.stringify(await exportJWK(privateKey))),
        };
      },
    });
    const [newest] = rows;
    const privateKey = (await importJWK(JSON.parse(this.cipher.open(newest.privateJwkEncrypted)) as JWK, ALGORITHM)) as CryptoKey;
    const publicJwks = rows.map((row) => row.publicJwk as JWK);
    return {
      current: { kid: newest.id, privateKey },
      publicJwks,
      verificationKeys: createLocalJWKSet({ keys: publicJwks }),
    };
  }
}
