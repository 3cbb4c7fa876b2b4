import { Field, ID, ObjectType } from '@nestjs/graphql';
import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

@ObjectType()
@Entity('organizations')
export class Organization {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field()
  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Field()
  @Index('organizations__slug__unique', { unique: true })
  @Column({ type: 'varchar', length: 63 })
  slug: string;

  @Field()
  @Column({ name: 'jit_provisioning', type: 'boolean', default: true })
  jitProvisioning: boolean;

  @Field()
  @Column({ name: 'default_role', type: 'varchar', length: 63, default: 'editor' })
  defaultRole: string;

  @Field()
  @Column({ name: 'sso_required', type: 'boolean', default: false })
  ssoRequired: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
