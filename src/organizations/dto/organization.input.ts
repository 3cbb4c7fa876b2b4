import { Field, InputType } from '@nestjs/graphql';
import { IsBoolean, IsIn, IsOptional, IsString, Matches } from 'class-validator';
import { ROLE_SLUGS } from '../roles';
import { IsName } from '../../common/name.decorator';

const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const SLUG_MESSAGE = 'slug must be 1-63 lower-case letters, digits or inner hyphens';

@InputType()
export class CreateOrganizationInput {
  @Field()
  @IsName()
  name: string;

  /** Derived from the name when omitted. */
  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @Matches(SLUG_PATTERN, { message: SLUG_MESSAGE })
  slug?: string;

  @Field({ nullable: true })
  @IsOptional()
  @IsBoolean()
  jitProvisioning?: boolean;

  @Field({ nullable: true })
  @IsOptional()
  @IsIn(ROLE_SLUGS, { message: `defaultRole must be one of ${ROLE_SLUGS.join(', ')}` })
  defaultRole?: string;
}

@InputType()
export class UpdateOrganizationInput {
  @Field({ nullable: true })
  @IsOptional()
  @IsName()
  name?: string;

  @Field({ nullable: true })
  @IsOptional()
  @IsBoolean()
  jitProvisioning?: boolean;

  @Field({ nullable: true })
  @IsOptional()
  @IsIn(ROLE_SLUGS, { message: `defaultRole must be one of ${ROLE_SLUGS.join(', ')}` })
  defaultRole?: string;

  @Field({ nullable: true })
  @IsOptional()
  @IsBoolean()
  ssoRequired?: boolean;
}
