import { ArgsType, Field, ID, Int } from '@nestjs/graphql';
import { IsEmail, IsInt, IsOptional, IsUUID, Max, MaxLength, Min } from 'class-validator';
import { MAX_SETUP_LINK_HOURS } from '../setup-links.service';

@ArgsType()
export class CreateSetupLinkArgs {
  @Field(() => ID, { description: 'The organization whose SSO the link sets up.' })
  @IsUUID('all', { message: 'organizationId must be an organization id' })
  organizationId: string;

  @Field(() => Int, { nullable: true, description: `How long the link works: default 72 hours, at most ${MAX_SETUP_LINK_HOURS}.` })
  @IsOptional()
  @IsInt({ message: 'expiresInHours must be a whole number of hours' })
  @Min(1, { message: 'expiresInHours must be at least 1' })
  @Max(MAX_SETUP_LINK_HOURS, { message: `expiresInHours must be at most ${MAX_SETUP_LINK_HOURS}` })
  expiresInHours?: number | null;

  @Field(() => String, { nullable: true, description: 'Also mail the link to this address (the IT contact).' })
  @IsOptional()
  @IsEmail({}, { message: 'sendTo must be an email address' })
  @MaxLength(320)
  sendTo?: string | null;
}
