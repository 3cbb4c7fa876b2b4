import { Field, ObjectType } from '@nestjs/graphql';
import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
  type Relation,
} from 'typeorm';
import { OrganizationScopedEntity } from '../../database/organization-scoped.entity';
import { User } from './user.entity';

/** A user's place in an organization: role slugs and the resources they reach (`*` = all). */
@ObjectType()
@Entity('memberships')
@Index('memberships__organization_id__user_id__unique', ['organizationId', 'userId'], { unique: true })
@Index('memberships__user_id__index', ['userId'])
export class Membership extends OrganizationScopedEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Field(() => User)
  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: Relation<User>;

  @Field(() => [String])
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  roles: string[];

  @Field(() => [String])
  @Column({ type: 'text', array: true, default: () => "'{*}'" })
  resources: string[];

  /** Roles set by hand by an admin win over those derived from IdP groups. */
  @Column({ name: 'roles_managed_manually', type: 'boolean', default: false })
  rolesManagedManually: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
