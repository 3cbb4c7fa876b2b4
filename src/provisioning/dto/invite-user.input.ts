import { Field, ID, InputType } from '@nestjs/graphql';
import { IsEmail, IsIn, IsOptional, IsUUID, MaxLength } from 'class-validator';
import { ROLE_SLUGS } from '../../organizations/roles';

@InputType()
export class InviteUserInput {
  @Field(() => ID)
  @IsUUID('all', { message: 'organizationId must be an organization id' })
  organizationId: string;

  @Field()
  @MaxLength(320)
  @IsEmail({}, { message: 'email must be an email address' })
  email: string;

  /** Defaults to the organization's default role. */
  @Field({ nullable: true })
  @IsOptional()
  @IsIn(ROLE_SLUGS, { message: `role must be one of ${ROLE_SLUGS.join(', ')}` })
  role?: string;
}
