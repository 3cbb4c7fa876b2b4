import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * A key pair with which the service signs private_key_jwt client assertions at IdPs' token
 * endpoints; the private half encrypted at rest, the public half in GET /sso/client-jwks.json.
 */
@Entity('client_assertion_keys')
export class ClientAssertionKey {
  /** The JWK `kid`. */
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id: string;

  @Column({ type: 'varchar', length: 10 })
  algorithm: string;

  @Column({ name: 'public_jwk', type: 'jsonb' })
  publicJwk: Record<string, unknown>;

  @Column({ name: 'private_jwk_encrypted', type: 'text' })
  privateJwkEncrypted: string;

  /** Published from then on; it takes over signing an hour later (see ClientAssertionKeysService). */
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
