import { Field, ID, ObjectType } from '@nestjs/graphql';
import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { Organization } from '../../organizations/entities/organization.entity';
import type { ApiKeyScope } from '../../common/caller';

/** An API key, stored only as the SHA-256 of its secret; the prefix identifies a leaked key. */
@ObjectType({
  description:
    'A key for the admin API and the roles API (Authorization: Bearer <key>). A platform key (organizationId null) may act on every organization, an organization key on its own only. Its secret is never returned after createApiKey.',
})
@Entity('api_keys')
export class ApiKey {
  @Field(() => ID, { description: 'The key’s id (not its secret).' })
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field(() => ID, {
    nullable: true,
    description: 'The organization the key may act on; null: a platform key, which may act on every organization.',
  })
  @Column({ name: 'organization_id', type: 'uuid', nullable: true })
  organizationId: string | null;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organization_id' })
  organization?: Relation<Organization>;

  @Field({ description: 'The start of the key’s secret, such as sk_3f9a1c2b05, to recognise a key (a leaked one too) without its secret.' })
  @Column({ type: 'varchar', length: 32 })
  prefix: string;

  @Index('api_keys__secret_hash__unique', { unique: true })
  @Column({ name: 'secret_hash', type: 'varchar', length: 64 })
  secretHash: string;

  @Field(() => [String], {
    description: 'What the key may do: admin (every admin operation) and/or roles:read (only the roles API and userRoles).',
  })
  @Column({ type: 'text', array: true })
  scopes: ApiKeyScope[];

  @Field({ description: 'When the key was created.' })
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  /** Written at most once a minute per key, so a busy key costs no write per request. */
  @Field(() => Date, { nullable: true, description: 'When the key was last used (to the minute); null if never.' })
  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the key was revoked, after which it works nowhere; null while it works.' })
  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;
}
