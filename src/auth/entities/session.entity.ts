import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { OrganizationScopedEntity } from '../../database/organization-scoped.entity';
import { User } from '../../provisioning/entities/user.entity';

/** A signed-in session; the session token's `jti`. Deleted on logout or member removal. */
@Entity('sessions')
@Index('sessions__user_id__organization_id__index', ['userId', 'organizationId'])
export class Session extends OrganizationScopedEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: Relation<User>;

  /** How the user signed in: `sso:<connectionId>` or `magic_link`. */
  @Column({ type: 'varchar', length: 100 })
  method: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;
}
