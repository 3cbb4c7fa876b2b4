import { Field, ObjectType } from '@nestjs/graphql';
import { Column, CreateDateColumn, Entity, Index } from 'typeorm';
import { ConnectionScopedEntity } from '../../database/connection-scoped.entity';

/** An IdP group (by the id the IdP sends in the groups claim) that grants a role. */
@ObjectType()
@Entity('role_mappings')
@Index('role_mappings__connection_id__idp_group_id__unique', ['connectionId', 'idpGroupId'], { unique: true })
export class RoleMapping extends ConnectionScopedEntity {
  @Field()
  @Column({ name: 'idp_group_id', type: 'varchar', length: 255 })
  idpGroupId: string;

  @Field(() => String, { nullable: true })
  @Column({ type: 'varchar', length: 200, nullable: true })
  name: string | null;

  @Field()
  @Column({ type: 'varchar', length: 63 })
  role: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
