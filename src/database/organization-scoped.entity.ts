import { Column, JoinColumn, ManyToOne, type Relation } from 'typeorm';
import { Field, ID, ObjectType } from '@nestjs/graphql';
import { Organization } from '../organizations/entities/organization.entity';

/**
 * Base of every per-tenant row: the organization id and its foreign key, declared once,
 * so deleting an organization removes everything it owns.
 */
@ObjectType({ isAbstract: true })
export abstract class OrganizationScopedEntity {
  @Field(() => ID, { description: 'The organization it belongs to.' })
  @Column({ name: 'organization_id', type: 'uuid' })
  organizationId: string;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organization_id' })
  organization?: Relation<Organization>;
}
