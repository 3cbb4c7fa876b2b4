import { Field, InputType, ObjectType } from '@nestjs/graphql';
import { ArrayMaxSize, ArrayMinSize, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { Application } from '../entities/application.entity';

const MAX_URIS = 20;

@InputType({ description: 'A new application of the OpenID Provider.' })
export class CreateApplicationInput {
  @Field({ description: 'Its display name (at most 200 characters).' })
  @IsString()
  @IsNotEmpty({ message: 'name must not be empty' })
  @MaxLength(200)
  name: string;

  @Field(() => [String], {
    description:
      'The redirect URIs its authorization requests may use (1–20): absolute https URIs (http only on localhost, 127.0.0.1 or [::1]), matched exactly: no wildcard, no fragment.',
  })
  @ArrayMinSize(1, { message: 'redirectUris must name at least one URI' })
  @ArrayMaxSize(MAX_URIS)
  @IsString({ each: true })
  redirectUris: string[];

  @Field(() => [String], {
    nullable: true,
    description:
      'Where its logouts may return to (at most 20): absolute https URIs (http only on localhost, 127.0.0.1 or [::1]), matched exactly: no wildcard, no fragment. Omitted: none.',
  })
  @IsOptional()
  @ArrayMaxSize(MAX_URIS)
  @IsString({ each: true })
  postLogoutRedirectUris?: string[];

  @Field(() => String, {
    nullable: true,
    description: 'Its login URI, for sign-ins started at an IdP that target the app (an absolute https URI). Omitted: none.',
  })
  @IsOptional()
  @IsString()
  initiateLoginUri?: string;
}

@ObjectType({ description: 'An application and its client secret, which is shown this once.' })
export class CreatedApplication {
  @Field(() => Application, { description: 'The application.' })
  application: Application;

  @Field({ description: 'Its client secret, for client_secret_basic or client_secret_post. Shown this once; stored encrypted.' })
  clientSecret: string;
}
