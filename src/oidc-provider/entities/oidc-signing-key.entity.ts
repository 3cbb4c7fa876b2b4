import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A key pair that signs the OpenID Provider's ID tokens; the private half sealed at rest. */
@Entity('oidc_signing_keys')
export class OidcSigningKey {
  /** The JWK `kid`. */
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id: string;

  @Column({ type: 'varchar', length: 10 })
  algorithm: string;

  /** The private JWK (which includes the public members), sealed with SECRETS_KEY. */
  @Column({ name: 'private_jwk_encrypted', type: 'text' })
  privateJwkEncrypted: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  /** Set when a newer key took over; kept in the JWKS until tokens it signed have expired. */
  @Column({ name: 'retired_at', type: 'timestamptz', nullable: true })
  retiredAt: Date | null;
}
