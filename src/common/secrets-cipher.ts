import { Inject, Injectable, Logger } from '@nestjs/common';
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';

/** The id stored beside each ciphertext: which key sealed it, so keys can be rotated. */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/**
 * AES-256-GCM sealing of secrets at rest (client secrets, signing keys, PKCE verifiers).
 * Format: `v1:<keyId>:<iv>:<tag>:<ciphertext>`, each part base64url. Seals with SECRETS_KEY;
 * opens with it or with a key of SECRETS_KEY_PREVIOUS, so a key can be rotated without downtime.
 */
@Injectable()
export class SecretsCipher {
  private readonly logger = new Logger(SecretsCipher.name);
  private readonly keyId: string;
  private readonly keys: Map<string, Buffer>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'secretsKey'> & Partial<Pick<AppConfig, 'previousSecretsKeys'>>,
  ) {
    this.keyId = keyIdOf(config.secretsKey);
    this.keys = new Map([...(config.previousSecretsKeys ?? []), config.secretsKey].map((key) => [keyIdOf(key), key]));
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.config.secretsKey, iv);
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', this.keyId, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join(
      ':',
    );
  }

  open(sealed: string): string {
    const [version, keyId, iv, tag, ciphertext] = sealed.split(':');
    if (version !== 'v1' || !ciphertext) throw new Error('not a sealed secret');
    const key = this.keys.get(keyId);
    if (!key) throw new Error(`sealed with key ${keyId}, which is neither SECRETS_KEY (${this.keyId}) nor in SECRETS_KEY_PREVIOUS`);
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  }

  /**
   * Seals again under SECRETS_KEY every value of `table.column` that a previous key sealed, so the
   * previous key can be dropped after one start. A row changed meanwhile (a new secret saved by
   * another instance) is left as it is. Rows sealed with a key this instance does not have
   * cannot be opened: they are left as they are, with one warning, and the start goes on (the
   * rest of the service works; what needs those rows fails until the key is given back).
   * Returns how many rows were resealed.
   */
  async resealWithCurrentKey(dataSource: DataSource, table: string, column: string): Promise<number> {
    if (this.keys.size === 1) return 0;
    const stale: { id: string; sealed: string }[] = await dataSource.query(
      `SELECT id, ${column} AS sealed FROM ${table} WHERE ${column} NOT LIKE $1`,
      [`v1:${this.keyId}:%`],
    );
    let resealed = 0;
    let unknown = 0;
    for (const row of stale) {
      if (!this.keys.has(row.sealed.split(':')[1])) {
        unknown++;
        continue;
      }
      const result: [unknown[], number] = await dataSource.query(`UPDATE ${table} SET ${column} = $1 WHERE id = $2 AND ${column} = $3`, [
        this.seal(this.open(row.sealed)),
        row.id,
        row.sealed,
      ]);
      resealed += result[1];
    }
    if (unknown) {
      this.logger.warn(
        `${unknown} row(s) of ${table}.${column} are sealed with a key that is neither SECRETS_KEY nor in SECRETS_KEY_PREVIOUS; ` +
          'they are left as they are and cannot be used until that key is added to SECRETS_KEY_PREVIOUS',
      );
    }
    return resealed;
  }
}
