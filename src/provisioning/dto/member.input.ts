import { Field, ID, InputType } from '@nestjs/graphql';
import { ArrayMaxSize, IsIn, IsOptional, IsString, IsUUID, Matches } from 'class-validator';
import { ROLE_SLUGS } from '../../organizations/roles';

@InputType()
export class SetMemberRolesInput {
  @Field(() => ID)
  @IsUUID('all', { message: 'organizationId must be an organization id' })
  organizationId: string;

  @Field(() => ID)
  @IsUUID('all', { message: 'userId must be a user id' })
  userId: string;

  /** The roles to pin by hand; null hands the roles back to the IdP groups at the next login. */
  @Field(() => [String], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(ROLE_SLUGS.length)
  @IsIn(ROLE_SLUGS, { each: true, message: `roles must be among ${ROLE_SLUGS.join(', ')}` })
  roles?: string[] | null;

  /** Resource ids the member reaches; `*` for all of the organization's. */
  @Field(() => [String], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  @Matches(/^(\*|[A-Za-z0-9:_/.-]{1,200})$/, { each: true, message: 'resources must be * or resource ids' })
  resources?: string[] | null;
}
