import { Field, ID, ObjectType } from '@nestjs/graphql';
import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** Never holds a secret. */
@ObjectType({ description: 'Who did what to which record, in an organization; never holds a secret.' })
@Entity('audit_events')
@Index('audit_events__organization_id__at__index', ['organizationId', 'at'])
export class AuditEvent {
  @Field(() => ID, { description: 'The event’s id.' })
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** Null for platform-wide events (e.g. a platform key created). */
  @Column({ name: 'organization_id', type: 'uuid', nullable: true })
  organizationId: string | null;

  @Field({ description: 'What happened, as <record>.<verb>, such as connection.updated, api_key.revoked or member.roles_changed.' })
  @Column({ type: 'varchar', length: 100 })
  action: string;

  @Field({
    description: 'Who did it: api_key:<id>, user:<id>, setup_link:<id> (an IT admin in the setup portal) or system.',
  })
  @Column({ type: 'varchar', length: 100 })
  actor: string;

  @Field(() => String, { nullable: true, description: 'The id of the record it happened to; null when there is none.' })
  @Column({ name: 'target_id', type: 'varchar', length: 100, nullable: true })
  targetId: string | null;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  details: Record<string, unknown>;

  @Field(() => Date, { description: 'When it happened.' })
  @CreateDateColumn({ type: 'timestamptz' })
  at: Date;
}
