import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { Connection } from '../../connections/entities/connection.entity';
import { User } from './user.entity';

/**
 * The link between an IdP account and a user, keyed by (connection, subject): never by
 * email alone, so an IdP that asserts someone else's email cannot take over their account.
 */
@Entity('sso_identities')
@Index('sso_identities__connection_id__subject__unique', ['connectionId', 'subject'], { unique: true })
@Index('sso_identities__user_id__index', ['userId'])
export class SsoIdentity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'connection_id', type: 'uuid' })
  connectionId: string;

  @ManyToOne(() => Connection, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'connection_id' })
  connection?: Relation<Connection>;

  @Column({ type: 'varchar', length: 255 })
  subject: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: Relation<User>;

  /** The groups of the last login, for audit and for the roles they gave. */
  @Column({ name: 'last_groups', type: 'text', array: true, default: () => "'{}'" })
  lastGroups: string[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'last_login_at', type: 'timestamptz', nullable: true })
  lastLoginAt: Date | null;
}
