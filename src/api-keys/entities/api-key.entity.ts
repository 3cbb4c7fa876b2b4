import { Field, ID, ObjectType } from '@nestjs/graphql';
import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { Organization } from '../../organizations/entities/organization.entity';
import type { ApiKeyScope } from '../../common/caller';

/** An API key, stored only as the SHA-256 of its secret; the prefix identifies a leaked key. */
@ObjectType()
@Entity('api_keys')
export class ApiKey {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** Null: a platform key that may act on every organization. */
  @Field(() => ID, { nullable: true })
  @Column({ name: 'organization_id', type: 'uuid', nullable: true })
  organizationId: string | null;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organization_id' })
  organization?: Relation<Organization>;

  /** The key's visible start, e.g. `sk_3f9a1c2b`, to recognise a leaked key. */
  @Field()
  @Column({ type: 'varchar', length: 32 })
  prefix: string;

  @Index('api_keys__secret_hash__unique', { unique: true })
  @Column({ name: 'secret_hash', type: 'varchar', length: 64 })
  secretHash: string;

  @Field(() => [String])
  @Column({ type: 'text', array: true })
  scopes: ApiKeyScope[];

  @Field()
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  /** Written at most once a minute per key, so a busy key costs no write per request. */
  @Field(() => Date, { nullable: true })
  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null;

  @Field(() => Date, { nullable: true })
  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;
}
