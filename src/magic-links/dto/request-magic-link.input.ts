import { IsEmail, IsOptional, IsString, MaxLength } from 'class-validator';

/** The body of POST /auth/magic-link. */
export class RequestMagicLinkInput {
  @MaxLength(320)
  @IsEmail({}, { message: 'email must be an email address' })
  email: string;

  /** Where to land after signing in; only an allowed return origin is kept, else APP_URL. */
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  returnTo?: string;
}
