import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { Session } from '../../auth/entities/session.entity';

/**
 * Everything oidc-provider stores (sessions, interactions, grants, codes, tokens), one row per
 * object, in PostgreSQL so that every instance sees the same state.
 */
@Entity('oidc_models')
@Index('oidc_models__grant_id__index', ['grantId'])
@Index('oidc_models__uid__index', ['uid'])
@Index('oidc_models__user_code__index', ['userCode'])
@Index('oidc_models__expires_at__index', ['expiresAt'])
@Index('oidc_models__service_session_id__index', ['serviceSessionId'])
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

  /**
   * The service session a grant was given through, copied onto the grant's codes and tokens: when
   * that session ends (logout, RP-initiated logout, the member removed), the foreign key deletes
   * them all, so the app's tokens stop working with the session. The login flow (auth) knows
   * nothing of it.
   */
  @Column({ name: 'service_session_id', type: 'uuid', nullable: true })
  serviceSessionId: string | null;

  @ManyToOne(() => Session, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'service_session_id' })
  serviceSession?: Relation<Session>;
}
