import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

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

  /** A test sign-in started by an admin: report the outcome, create nothing. */
  @Column({ name: 'is_test', type: 'boolean', default: false })
  isTest: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;
}
