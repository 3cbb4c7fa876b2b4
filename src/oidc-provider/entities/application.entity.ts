import { Field, ID, ObjectType } from '@nestjs/graphql';
import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One of the product's own apps: a relying party of the service's OpenID Provider. Platform-wide
 * (not per organization): the same app signs in people of every organization.
 */
@ObjectType()
@Entity('applications')
export class Application {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field()
  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Field()
  @Index('applications__client_id__unique', { unique: true })
  @Column({ name: 'client_id', type: 'varchar', length: 64 })
  clientId: string;

  /** Sealed with SECRETS_KEY: oidc-provider compares the presented secret with the opened one. */
  @Column({ name: 'client_secret_encrypted', type: 'text' })
  clientSecretEncrypted: string;

  @Field(() => [String])
  @Column({ name: 'redirect_uris', type: 'text', array: true })
  redirectUris: string[];

  @Field(() => [String])
  @Column({ name: 'post_logout_redirect_uris', type: 'text', array: true, default: () => "'{}'" })
  postLogoutRedirectUris: string[];

  @Field(() => String, { nullable: true })
  @Column({ name: 'initiate_login_uri', type: 'varchar', length: 2048, nullable: true })
  initiateLoginUri: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
