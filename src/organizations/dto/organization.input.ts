import { Field, InputType } from '@nestjs/graphql';
import { IsBoolean, IsIn, IsOptional, IsString, Matches } from 'class-validator';
import { ROLE_SLUGS } from '../roles';
import { IsName } from '../../common/name.decorator';

const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const SLUG_MESSAGE = 'slug must be 1-63 lower-case letters, digits or inner hyphens';

@InputType({ description: 'A new organization.' })
export class CreateOrganizationInput {
  @Field({ description: 'Its display name, shown on sign-in pages (at most 200 characters).' })
  @IsName()
  name: string;

  @Field({
    nullable: true,
    description:
      'A unique short name: 1–63 lower-case letters, digits or inner hyphens. Omitted: derived from the name ("Acme Corp." → acme-corp).',
  })
  @IsOptional()
  @IsString()
  @Matches(SLUG_PATTERN, { message: SLUG_MESSAGE })
  slug?: string;

  @Field({
    nullable: true,
    description: 'Whether an SSO login may create the account of someone neither a member nor invited. Omitted: true.',
  })
  @IsOptional()
  @IsBoolean()
  jitProvisioning?: boolean;

  @Field({ nullable: true, description: 'The role slug members get when nothing else names one. Omitted: editor.' })
  @IsOptional()
  @IsIn(ROLE_SLUGS, { message: `defaultRole must be one of ${ROLE_SLUGS.join(', ')}` })
  defaultRole?: string;
}

@InputType({ description: 'Changes to an organization; an omitted or null field stays as it is.' })
export class UpdateOrganizationInput {
  @Field({ nullable: true, description: 'A new display name.' })
  @IsOptional()
  @IsName()
  name?: string;

  @Field({ nullable: true, description: 'Whether an SSO login may create the account of someone neither a member nor invited.' })
  @IsOptional()
  @IsBoolean()
  jitProvisioning?: boolean;

  @Field({ nullable: true, description: 'The role slug (owner, admin, editor or viewer) members get when nothing else names one.' })
  @IsOptional()
  @IsIn(ROLE_SLUGS, { message: `defaultRole must be one of ${ROLE_SLUGS.join(', ')}` })
  defaultRole?: string;

  @Field({
    nullable: true,
    description:
      'Require SSO for the organization’s verified domains. Turning it on needs an ACTIVE connection with a successful sign-in (else BAD_USER_INPUT); turning it off is always allowed and audited.',
  })
  @IsOptional()
  @IsBoolean()
  ssoRequired?: boolean;
}
