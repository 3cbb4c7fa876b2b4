import { ArgsType, Field } from '@nestjs/graphql';
import { IsString, MaxLength } from 'class-validator';

@ArgsType()
export class DomainArg {
  @Field()
  @IsString()
  @MaxLength(253, { message: 'domain must be at most 253 characters' })
  domain: string;
}
