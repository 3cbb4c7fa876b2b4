import { Field, ID, InputType } from '@nestjs/graphql';
import { IsIn, IsNotEmpty, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { ROLE_SLUGS } from '../../organizations/roles';
import { IsName } from '../../common/name.decorator';

@InputType()
export class CreateRoleMappingInput {
  @Field(() => ID)
  @IsUUID('all', { message: 'connectionId must be a connection id' })
  connectionId: string;

  /** The group as the IdP sends it in the groups claim (Entra: the group's object id). */
  @Field()
  @IsString()
  @IsNotEmpty({ message: 'idpGroupId must not be empty' })
  @MaxLength(255)
  idpGroupId: string;

  @Field({ nullable: true })
  @IsOptional()
  @IsName()
  name?: string;

  @Field()
  @IsIn(ROLE_SLUGS, { message: `role must be one of ${ROLE_SLUGS.join(', ')}` })
  role: string;
}
