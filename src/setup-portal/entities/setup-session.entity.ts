import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { SetupLink } from './setup-link.entity';

/** The portal session a setup link started: its cookie's hash, and when it was last used (idle timeout). */
@Entity('setup_sessions')
export class SetupSession {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'setup_link_id', type: 'uuid' })
  setupLinkId: string;

  @ManyToOne(() => SetupLink, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'setup_link_id' })
  setupLink?: Relation<SetupLink>;

  @Index('setup_sessions__token_hash__unique', { unique: true })
  @Column({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash: string;

  @Column({ name: 'last_seen_at', type: 'timestamptz' })
  lastSeenAt: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
