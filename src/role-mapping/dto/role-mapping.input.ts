import { Field, ID, InputType } from '@nestjs/graphql';
import { IsIn, IsNotEmpty, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { ROLE_SLUGS } from '../../organizations/roles';
import { IsName } from '../../common/name.decorator';
import { IDP_GROUP_ID_DESCRIPTION } from '../entities/role-mapping.entity';

@InputType({ description: 'A group of a connection’s IdP and the role it grants.' })
export class CreateRoleMappingInput {
  @Field(() => ID, { description: 'The connection whose logins carry the group.' })
  @IsUUID('all', { message: 'connectionId must be a connection id' })
  connectionId: string;

  @Field({ description: `${IDP_GROUP_ID_DESCRIPTION} At most 255 characters; unique on the connection.` })
  @IsString()
  @IsNotEmpty({ message: 'idpGroupId must not be empty' })
  @MaxLength(255)
  idpGroupId: string;

  @Field({ nullable: true, description: 'A name for people to recognise the group by (at most 200 characters), such as its display name.' })
  @IsOptional()
  @IsName()
  name?: string;

  @Field({ description: 'The role slug the group grants: owner, admin, editor or viewer.' })
  @IsIn(ROLE_SLUGS, { message: `role must be one of ${ROLE_SLUGS.join(', ')}` })
  role: string;
}
