import { Inject, Injectable } from '@nestjs/common';
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '../config/app-config';

/** The id stored beside each ciphertext: which key sealed it, so keys can be rotated. */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/**
 * AES-256-GCM sealing of secrets at rest (client secrets, signing keys, PKCE verifiers).
 * Format: `v1:<keyId>:<iv>:<tag>:<ciphertext>`, each part base64url.
 */
@Injectable()
export class SecretsCipher {
  private readonly keyId: string;

  constructor(@Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'secretsKey'>) {
    this.keyId = keyIdOf(config.secretsKey);
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.config.secretsKey, iv);
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', this.keyId, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join(':');
  }

  open(sealed: string): string {
    const [version, keyId, iv, tag, ciphertext] = sealed.split(':');
    if (version !== 'v1' || !ciphertext) throw new Error('not a sealed secret');
    if (keyId !== this.keyId) throw new Error(`sealed with key ${keyId}, but SECRETS_KEY is key ${this.keyId}`);
    const decipher = createDecipheriv('aes-256-gcm', this.config.secretsKey, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  }
}
