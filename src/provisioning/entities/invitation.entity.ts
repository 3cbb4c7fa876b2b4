import { Field, ID, ObjectType } from '@nestjs/graphql';
import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { OrganizationScopedEntity } from '../../database/organization-scoped.entity';

/** A pending invitation; consumed (accepted_at set) by the invitee's first login. */
@ObjectType()
@Entity('invitations')
@Index('invitations__organization_id__email__unique', ['organizationId', 'email'], { unique: true })
export class Invitation extends OrganizationScopedEntity {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field()
  @Column({ type: 'varchar', length: 320 })
  email: string;

  @Field()
  @Column({ type: 'varchar', length: 63 })
  role: string;

  @Column({ name: 'accepted_at', type: 'timestamptz', nullable: true })
  acceptedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
