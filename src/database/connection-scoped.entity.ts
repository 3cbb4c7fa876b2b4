import { Column, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { Field, ID, ObjectType } from '@nestjs/graphql';
import { OrganizationScopedEntity } from './organization-scoped.entity';
import { Connection } from '../connections/entities/connection.entity';

/** Base of every row that belongs to one connection (and so to its organization); gone with it. */
@ObjectType({ isAbstract: true })
export abstract class ConnectionScopedEntity extends OrganizationScopedEntity {
  @Field(() => ID, { description: 'Its id.' })
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field(() => ID, { description: 'The connection it belongs to.' })
  @Column({ name: 'connection_id', type: 'uuid' })
  connectionId: string;

  @ManyToOne(() => Connection, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'connection_id' })
  connection?: Relation<Connection>;
}
