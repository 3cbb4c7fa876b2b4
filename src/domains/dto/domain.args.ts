import { ArgsType, Field } from '@nestjs/graphql';
import { IsString, MaxLength } from 'class-validator';

@ArgsType()
export class DomainArg {
  @Field({
    description:
      'The domain, such as example.com: Unicode or punycode, any case, at most 253 characters; stored lower-case in its ASCII (punycode) form.',
  })
  @IsString()
  @MaxLength(253, { message: 'domain must be at most 253 characters' })
  domain: string;
}
