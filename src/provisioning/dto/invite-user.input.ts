import { Field, ID, InputType } from '@nestjs/graphql';
import { IsEmail, IsIn, IsOptional, IsUUID, MaxLength } from 'class-validator';
import { ROLE_SLUGS } from '../../organizations/roles';

@InputType({ description: 'Who to invite, to which organization, with which role.' })
export class InviteUserInput {
  @Field(() => ID, { description: 'The organization to invite to.' })
  @IsUUID('all', { message: 'organizationId must be an organization id' })
  organizationId: string;

  @Field({ description: 'The person’s email address; its domain must be one of the organization’s verified domains.' })
  @MaxLength(320)
  @IsEmail({}, { message: 'email must be an email address' })
  email: string;

  @Field({
    nullable: true,
    description: 'The role slug to give (owner, admin, editor or viewer). Omitted: the organization’s defaultRole.',
  })
  @IsOptional()
  @IsIn(ROLE_SLUGS, { message: `role must be one of ${ROLE_SLUGS.join(', ')}` })
  role?: string;
}
