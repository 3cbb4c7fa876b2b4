import { Args, ID, Mutation, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { UseGuards } from '@nestjs/common';
import { Domain } from './entities/domain.entity';
import { DomainsService } from './domains.service';
import { ApiKeyGuard, RequireScope } from '../common/api-key.guard';
import { Caller, CurrentCaller } from '../common/caller';
import { UuidPipe } from '../common/uuid.pipe';
import { DomainArg } from './dto/domain.args';
import { DnsRecord } from './dto/dns-record.type';
import { verificationRecordFor } from './domain-verification';
import { unicodeDomain } from './domain-rules';

@Resolver(() => Domain)
@UseGuards(ApiKeyGuard)
@RequireScope('admin')
export class DomainsResolver {
  constructor(private readonly domains: DomainsService) {}

  @Mutation(() => Domain, {
    description:
      'Claims a domain as PENDING; publish its verificationRecord, then call verifyDomain. A domain another organization verified (or one under it) is refused (BAD_USER_INPUT). Scope admin; an organization key only for its own organization.',
  })
  addDomain(
    @CurrentCaller() caller: Caller,
    @Args('organizationId', { type: () => ID, description: 'The organization claiming the domain.' }, UuidPipe) organizationId: string,
    @Args() { domain }: DomainArg,
  ): Promise<Domain> {
    return this.domains.add(caller, organizationId, domain);
  }

  @Mutation(() => Domain, {
    description:
      'Looks the TXT record up now: VERIFIED, or PENDING with verificationError (a FAILED claim starts a new retry window). Scope admin; an organization key only for its own domains.',
  })
  verifyDomain(
    @CurrentCaller() caller: Caller,
    @Args('id', { type: () => ID, description: 'The domain claim’s id.' }, UuidPipe) id: string,
  ): Promise<Domain> {
    return this.domains.verify(caller, id);
  }

  @Mutation(() => Domain, {
    description: 'Marks a domain VERIFIED without DNS (checked another way); audited. Scope admin; platform key only.',
  })
  markDomainVerified(
    @CurrentCaller() caller: Caller,
    @Args('id', { type: () => ID, description: 'The domain claim’s id.' }, UuidPipe) id: string,
  ): Promise<Domain> {
    return this.domains.markVerified(caller, id);
  }

  @Mutation(() => Boolean, {
    description:
      'Removes a domain claim (audited); a verified domain’s addresses can no longer sign in. True once removed. Scope admin; an organization key only for its own domains.',
  })
  removeDomain(
    @CurrentCaller() caller: Caller,
    @Args('id', { type: () => ID, description: 'The domain claim’s id.' }, UuidPipe) id: string,
  ): Promise<boolean> {
    return this.domains.remove(caller, id);
  }

  @ResolveField(() => DnsRecord, { description: 'The TXT record to publish in the domain’s DNS zone to prove it.' })
  verificationRecord(@Parent() domain: Domain): DnsRecord {
    return verificationRecordFor(domain.domain, domain.verificationToken);
  }

  @ResolveField(() => String, { description: 'The domain in its Unicode form, for people (bücher.de for xn--bcher-kva.de).' })
  displayDomain(@Parent() domain: Domain): string {
    return unicodeDomain(domain.domain);
  }
}
