import { Field, ID, ObjectType } from '@nestjs/graphql';
import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** A person. Unique by email, which is always stored in lower case. */
@ObjectType()
@Entity('users')
export class User {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field()
  @Index('users__email__unique', { unique: true })
  @Column({ type: 'varchar', length: 320 })
  email: string;

  @Field(() => String, { nullable: true })
  @Column({ name: 'first_name', type: 'varchar', length: 200, nullable: true })
  firstName: string | null;

  @Field(() => String, { nullable: true })
  @Column({ name: 'last_name', type: 'varchar', length: 200, nullable: true })
  lastName: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
