import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { createPrivateKey, createPublicKey, randomUUID, type JsonWebKey, type KeyObject } from 'node:crypto';
import { decodeProtectedHeader, exportJWK, generateKeyPair, type JWK, type JWTPayload } from 'jose';
import { createSigner, createVerifier } from 'fast-jwt';
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
  /** Signs with the newest key. */
  sign: (payload: JWTPayload) => string;
  publicJwks: JWK[];
  /** Per key id: a verifier of that key alone (ES256 only, this service's issuer), built once per load. */
  verifiers: Map<string, (token: string) => JWTPayload>;
}

/**
 * The ES256 key pairs that sign session tokens, kept in PostgreSQL with the private half
 * sealed, rotated every 30 days; the JWKS lists the current and the previous key.
 *
 * Tokens are signed and verified with fast-jwt, on node:crypto: on every login and every
 * /auth/me, where jose's WebCrypto took twice the CPU (bench/README.md). Keys are made and
 * published with jose, as JWKs.
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

  /** A JWT of the claims, with this service as its issuer, issued now and expiring `expiresInSeconds` later. */
  async sign(payload: JWTPayload & { sub: string; jti: string }, expiresInSeconds: number): Promise<string> {
    const { sign } = await this.loaded.get();
    return sign({ ...payload, exp: Math.floor(Date.now() / 1000) + expiresInSeconds });
  }

  /** The token's claims when it carries this service's valid signature, issuer and expiry; undefined otherwise. */
  async verify(token: string): Promise<JWTPayload | undefined> {
    const { verifiers } = await this.loaded.get();
    try {
      const verify = verifiers.get(keyIdOf(token));
      return verify ? verify(token) : undefined;
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
    const privateJwk = JSON.parse(this.cipher.open(newest.privateJwkEncrypted)) as JWK;
    const publicJwks = rows.map((row) => row.publicJwk as JWK);
    const issuer = this.config.publicUrl;
    return {
      sign: createSigner({
        key: pemOf(createPrivateKey({ key: privateJwk as JsonWebKey, format: 'jwk' })),
        algorithm: ALGORITHM,
        kid: newest.id,
        iss: issuer,
      }),
      publicJwks,
      verifiers: new Map(
        publicJwks.map((jwk) => [
          jwk.kid!,
          createVerifier({
            key: pemOf(createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' })),
            algorithms: [ALGORITHM],
            allowedIss: issuer,
            // fast-jwt checks the issuer and expiry only when present: these tokens always have them.
            requiredClaims: ['iss', 'exp', 'sub', 'jti'],
          }),
        ]),
      ),
    };
  }
}

function pemOf(key: KeyObject): string {
  return key.export({ type: key.type === 'private' ? 'pkcs8' : 'spki', format: 'pem' }).toString();
}

/** The `kid` of a JWT's header, or '' when there is none (or it is no JWT). */
function keyIdOf(token: string): string {
  try {
    const kid = (decodeProtectedHeader(token) as { kid?: unknown }).kid;
    return typeof kid === 'string' ? kid : '';
  } catch {
    return '';
  }
}
