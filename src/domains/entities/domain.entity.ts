import { Field, ID, ObjectType } from '@nestjs/graphql';
import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { OrganizationScopedEntity } from '../../database/organization-scoped.entity';

@ObjectType()
@Entity('domains')
export class Domain extends OrganizationScopedEntity {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** Normalised: lower case, punycode, no trailing dot. One organization per domain. */
  @Field()
  @Index('domains__domain__unique', { unique: true })
  @Column({ type: 'varchar', length: 253 })
  domain: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
