import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { ConnectionTest } from '../../connection-tests/entities/connection-test.entity';

/**
 * A login in flight, between /sso/initiate and /sso/callback: kept in PostgreSQL so the
 * callback may land on any instance, deleted when used so it serves once.
 */
@Entity('login_states')
@Index('login_states__expires_at__index', ['expiresAt'])
export class LoginState {
  /** SHA-256 of the `state` parameter; the state itself is only in the browser's URL. */
  @PrimaryColumn({ name: 'state_hash', type: 'varchar', length: 64 })
  stateHash: string;

  @Column({ name: 'connection_id', type: 'uuid' })
  connectionId: string;

  /** SHA-256 of the secret in the browser-binding cookie set by /sso/initiate. */
  @Column({ name: 'browser_binding_hash', type: 'varchar', length: 64 })
  browserBindingHash: string;

  @Column({ type: 'varchar', length: 128 })
  nonce: string;

  /** PKCE code verifier, encrypted at rest. */
  @Column({ name: 'code_verifier_encrypted', type: 'text' })
  codeVerifierEncrypted: string;

  @Column({ name: 'return_to', type: 'varchar', length: 2048 })
  returnTo: string;

  /**
   * Where the callback sends the browser instead of the return target, set by the service itself
   * (never from a request parameter): the OpenID Provider's interaction that started this login.
   */
  @Column({ type: 'varchar', length: 2048, nullable: true })
  continuation: string | null;

  /** Set for an admin's test sign-in: the callback reports into that test and creates nothing. */
  @Column({ name: 'connection_test_id', type: 'uuid', nullable: true })
  connectionTestId: string | null;

  @ManyToOne(() => ConnectionTest, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'connection_test_id' })
  connectionTest?: Relation<ConnectionTest>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;
}
