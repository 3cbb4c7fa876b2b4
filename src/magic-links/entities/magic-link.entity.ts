import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { OrganizationScopedEntity } from '../../database/organization-scoped.entity';

/**
 * A sign-in link sent by email, for one email address and one organization. Only the token's
 * hash is stored; a used link keeps its row (with `used_at`) until it is swept a day after it
 * expired, so a second click can be told "already used" rather than "not valid".
 */
@Entity('magic_links')
@Index('magic_links__expires_at__index', ['expiresAt'])
export class MagicLink extends OrganizationScopedEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** SHA-256 (hex) of the token in the link; the token itself is only in the email. */
  @Index('magic_links__token_hash__unique', { unique: true })
  @Column({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash: string;

  /** Lower case, as users are stored. */
  @Column({ type: 'varchar', length: 320 })
  email: string;

  /** An allowed return target (checked when the link was requested) or APP_URL. */
  @Column({ name: 'return_to', type: 'varchar', length: 2048 })
  returnTo: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  /** Set by the one verification that consumed the link. */
  @Column({ name: 'used_at', type: 'timestamptz', nullable: true })
  usedAt: Date | null;
}
