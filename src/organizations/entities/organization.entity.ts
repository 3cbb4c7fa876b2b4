import { Field, ID, ObjectType } from '@nestjs/graphql';
import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

@ObjectType({ description: 'A customer organization: its email domains, its IdP connections and its members.' })
@Entity('organizations')
export class Organization {
  @Field(() => ID, { description: 'The organization’s id (a UUID).' })
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field({ description: 'Its display name, shown on sign-in pages.' })
  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Field({ description: 'A unique, URL-safe short name: 1–63 lower-case letters, digits or inner hyphens.' })
  @Index('organizations__slug__unique', { unique: true })
  @Column({ type: 'varchar', length: 63 })
  slug: string;

  @Field({
    description:
      'True: an SSO login of someone neither a member nor invited creates their account and membership (just-in-time). False: only members and invited people may sign in.',
  })
  @Column({ name: 'jit_provisioning', type: 'boolean', default: true })
  jitProvisioning: boolean;

  @Field({
    description:
      'The role slug (owner, admin, editor or viewer) a member gets when no role mapping matches their IdP groups and no invitation names a role.',
  })
  @Column({ name: 'default_role', type: 'varchar', length: 63, default: 'editor' })
  defaultRole: string;

  @Field({
    description:
      'True: members of the organization’s verified domains may sign in only through SSO (magic links are refused with sso_required). Can only be turned on once an ACTIVE connection has had a successful sign-in.',
  })
  @Column({ name: 'sso_required', type: 'boolean', default: false })
  ssoRequired: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
