import { Field, ID, ObjectType } from '@nestjs/graphql';
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
import { Organization } from '../../organizations/entities/organization.entity';

/**
 * An account: a person as one organization knows them. The same email in two organizations is
 * two accounts; within one it is unique, stored as `normalizeEmail` writes it (lower case, NFC).
 */
@ObjectType({
  description: 'A person’s account in one organization (the same email in two organizations is two accounts, with different ids).',
})
@Entity('users')
@Index('users__organization_id__email__unique', ['organizationId', 'email'], { unique: true })
export class User {
  @Field(() => ID, { description: 'The account’s id: the sub of session tokens and of the OpenID Provider’s ID tokens.' })
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** Not a GraphQL field: an account is only ever shown within its organization. */
  @Column({ name: 'organization_id', type: 'uuid' })
  organizationId: string;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organization_id' })
  organization?: Relation<Organization>;

  @Field({ description: 'The account’s email address, in lower case; the IdP may change it at a later sign-in.' })
  @Column({ type: 'varchar', length: 320 })
  email: string;

  @Field(() => String, {
    nullable: true,
    description: 'The given name the IdP last sent; null when none is known (such as an account that only ever used a magic link).',
  })
  @Column({ name: 'first_name', type: 'varchar', length: 200, nullable: true })
  firstName: string | null;

  @Field(() => String, { nullable: true, description: 'The family name the IdP last sent; null when none is known.' })
  @Column({ name: 'last_name', type: 'varchar', length: 200, nullable: true })
  lastName: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
