import { Field, ObjectType } from '@nestjs/graphql';
import { Column, CreateDateColumn, Entity, Index } from 'typeorm';
import { ConnectionScopedEntity } from '../../database/connection-scoped.entity';

/**
 * What a mapping's group is, per IdP: the same facts as the setup guides (connections/idp-guides.ts)
 * and docs/identity-providers.md. Matched exactly, case included, against the groups claim.
 */
export const IDP_GROUP_ID_DESCRIPTION =
  'The group exactly as the IdP sends it in the connection’s groups claim (matched case-sensitively). ' +
  'ENTRA_ID: the group’s object id, a GUID (Entra puts object ids in the groups claim, not display names). ' +
  'OKTA: the group name, as Okta’s Groups claim sends it. ' +
  'GENERIC_OIDC: a value of the connection’s groupsClaim, whatever the provider puts there (a name, an id or a path).';

@ObjectType({
  description:
    'An IdP group that grants a role: a member whose sign-in carries the group gets the role. With no mapped group, a member gets their invitation’s role or the organization’s defaultRole.',
})
@Entity('role_mappings')
@Index('role_mappings__connection_id__idp_group_id__unique', ['connectionId', 'idpGroupId'], { unique: true })
export class RoleMapping extends ConnectionScopedEntity {
  @Field({ description: IDP_GROUP_ID_DESCRIPTION })
  @Column({ name: 'idp_group_id', type: 'varchar', length: 255 })
  idpGroupId: string;

  @Field(() => String, { nullable: true, description: 'A name for people to recognise the group by; null when none was given.' })
  @Column({ type: 'varchar', length: 200, nullable: true })
  name: string | null;

  @Field({ description: 'The role slug the group grants (owner, admin, editor or viewer).' })
  @Column({ type: 'varchar', length: 63 })
  role: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
