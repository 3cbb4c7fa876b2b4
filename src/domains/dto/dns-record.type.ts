import { Field, ObjectType } from '@nestjs/graphql';

@ObjectType({ description: 'A DNS record the IT admin publishes to prove the domain.' })
export class DnsRecord {
  @Field({ description: 'Always TXT.' })
  type: string;

  @Field({ description: 'The full name of the record, such as _sso-challenge.example.com.' })
  name: string;

  @Field({ description: 'The exact value of the record.' })
  value: string;
}
