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

@ObjectType({ description: 'A person’s place in an organization: their account, roles and the resources they reach.' })
@Entity('memberships')
@Index('memberships__organization_id__user_id__unique', ['organizationId', 'userId'], { unique: true })
@Index('memberships__user_id__index', ['userId'])
export class Membership extends OrganizationScopedEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Field(() => User, { description: 'The member’s account.' })
  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: Relation<User>;

  @Field(() => [String], {
    description:
      'The member’s role slugs: from their IdP groups (through role mappings) at each sign-in, or pinned by hand with setMemberRoles.',
  })
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  roles: string[];

  @Field(() => [String], { description: 'Ids of the resources the member reaches; * for all of the organization’s (the default).' })
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
