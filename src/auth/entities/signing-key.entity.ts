import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A key pair that signs session tokens; the private half encrypted at rest. */
@Entity('signing_keys')
export class SigningKey {
  /** The JWK `kid`. */
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id: string;

  @Column({ type: 'varchar', length: 10 })
  algorithm: string;

  @Column({ name: 'public_jwk', type: 'jsonb' })
  publicJwk: Record<string, unknown>;

  @Column({ name: 'private_jwk_encrypted', type: 'text' })
  privateJwkEncrypted: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  /** Set when a newer key took over; kept in the JWKS until tokens it signed have expired. */
  @Column({ name: 'retired_at', type: 'timestamptz', nullable: true })
  retiredAt: Date | null;
}
