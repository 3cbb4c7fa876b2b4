import { Field, InputType, ObjectType } from '@nestjs/graphql';
import { ArrayMaxSize, ArrayMinSize, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { Application } from '../entities/application.entity';

const MAX_URIS = 20;

@InputType()
export class CreateApplicationInput {
  @Field()
  @IsString()
  @IsNotEmpty({ message: 'name must not be empty' })
  @MaxLength(200)
  name: string;

  @Field(() => [String])
  @ArrayMinSize(1, { message: 'redirectUris must name at least one URI' })
  @ArrayMaxSize(MAX_URIS)
  @IsString({ each: true })
  redirectUris: string[];

  @Field(() => [String], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(MAX_URIS)
  @IsString({ each: true })
  postLogoutRedirectUris?: string[];

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  initiateLoginUri?: string;
}

/** An application and its client secret, which is shown this once. */
@ObjectType()
export class CreatedApplication {
  @Field(() => Application)
  application: Application;

  @Field()
  clientSecret: string;
}
