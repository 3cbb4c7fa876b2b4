import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { OrganizationScopedEntity } from '../../database/organization-scoped.entity';
import { Membership } from '../../provisioning/entities/membership.entity';

/**
 * A signed-in session; the session token's `jti`. Deleted on logout; a member's removal deletes
 * their sessions through the foreign key to the membership, so nothing else needs to know of them.
 */
@Entity('sessions')
@Index('sessions__user_id__organization_id__index', ['userId', 'organizationId'])
export class Session extends OrganizationScopedEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @ManyToOne(() => Membership, { onDelete: 'CASCADE' })
  @JoinColumn([
    { name: 'organization_id', referencedColumnName: 'organizationId' },
    { name: 'user_id', referencedColumnName: 'userId' },
  ])
  membership?: Relation<Membership>;

  /** How the user signed in: `sso:<connectionId>` or `magic_link`. */
  @Column({ type: 'varchar', length: 100 })
  method: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;
}
