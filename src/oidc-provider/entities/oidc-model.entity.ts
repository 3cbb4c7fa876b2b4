import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * Everything oidc-provider stores (sessions, interactions, grants, codes, tokens), one row per
 * object, in PostgreSQL so that every instance sees the same state.
 */
@Entity('oidc_models')
@Index('oidc_models__grant_id__index', ['grantId'])
@Index('oidc_models__uid__index', ['uid'])
@Index('oidc_models__user_code__index', ['userCode'])
@Index('oidc_models__expires_at__index', ['expiresAt'])
export class OidcModel {
  /** oidc-provider's model name: Session, Interaction, Grant, AuthorizationCode, AccessToken… */
  @PrimaryColumn({ type: 'varchar', length: 40 })
  kind: string;

  @PrimaryColumn({ type: 'varchar', length: 255 })
  id: string;

  @Column({ type: 'jsonb' })
  payload: Record<string, unknown>;

  @Column({ name: 'grant_id', type: 'varchar', length: 255, nullable: true })
  grantId: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  uid: string | null;

  @Column({ name: 'user_code', type: 'varchar', length: 255, nullable: true })
  userCode: string | null;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt: Date | null;

  @Column({ name: 'consumed_at', type: 'timestamptz', nullable: true })
  consumedAt: Date | null;
}
