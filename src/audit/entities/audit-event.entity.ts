import { Field, ID, ObjectType } from '@nestjs/graphql';
import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** Who did what to which record. Never holds a secret. */
@ObjectType()
@Entity('audit_events')
@Index('audit_events__organization_id__at__index', ['organizationId', 'at'])
export class AuditEvent {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** Null for platform-wide events (e.g. a platform key created). */
  @Column({ name: 'organization_id', type: 'uuid', nullable: true })
  organizationId: string | null;

  @Field()
  @Column({ type: 'varchar', length: 100 })
  action: string;

  /** `api_key:<id>`, `user:<id>` or `system`. */
  @Field()
  @Column({ type: 'varchar', length: 100 })
  actor: string;

  @Field(() => String, { nullable: true })
  @Column({ name: 'target_id', type: 'varchar', length: 100, nullable: true })
  targetId: string | null;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  details: Record<string, unknown>;

  @Field(() => Date)
  @CreateDateColumn({ type: 'timestamptz' })
  at: Date;
}
