import { Field, ID, ObjectType } from '@nestjs/graphql';
import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { OrganizationScopedEntity } from '../../database/organization-scoped.entity';

/** Consumed (accepted_at set) by the invitee's first login. */
@ObjectType({
  description: 'A pending invitation: the person may sign in (by SSO or magic link) even without JIT provisioning, and gets its role.',
})
@Entity('invitations')
@Index('invitations__organization_id__email__unique', ['organizationId', 'email'], { unique: true })
export class Invitation extends OrganizationScopedEntity {
  @Field(() => ID, { description: 'The invitation’s id.' })
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field({ description: 'The invited email address (lower case), in one of the organization’s verified domains.' })
  @Column({ type: 'varchar', length: 320 })
  email: string;

  @Field({ description: 'The role slug the person gets when no role mapping matches their IdP groups.' })
  @Column({ type: 'varchar', length: 63 })
  role: string;

  @Column({ name: 'accepted_at', type: 'timestamptz', nullable: true })
  acceptedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
