import { Field, ID, InputType } from '@nestjs/graphql';
import { ArrayMaxSize, IsIn, IsOptional, IsString, IsUUID, Matches } from 'class-validator';
import { ROLE_SLUGS } from '../../organizations/roles';

@InputType({ description: 'A member’s roles and resources, set by hand.' })
export class SetMemberRolesInput {
  @Field(() => ID, { description: 'The member’s organization.' })
  @IsUUID('all', { message: 'organizationId must be an organization id' })
  organizationId: string;

  @Field(() => ID, { description: 'The member’s account id (User.id).' })
  @IsUUID('all', { message: 'userId must be a user id' })
  userId: string;

  @Field(() => [String], {
    nullable: true,
    description:
      'Role slugs to pin: IdP groups no longer change them. null hands the roles back to the IdP groups from the next sign-in; omitted: unchanged.',
  })
  @IsOptional()
  @ArrayMaxSize(ROLE_SLUGS.length)
  @IsIn(ROLE_SLUGS, { each: true, message: `roles must be among ${ROLE_SLUGS.join(', ')}` })
  roles?: string[] | null;

  @Field(() => [String], {
    nullable: true,
    description: 'Ids of the resources the member reaches, or * for all of the organization’s; omitted or null: unchanged.',
  })
  @IsOptional()
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  @Matches(/^(\*|[A-Za-z0-9:_/.-]{1,200})$/, { each: true, message: 'resources must be * or resource ids' })
  resources?: string[] | null;
}
