import { Args, ID, Mutation, Resolver } from '@nestjs/graphql';
import { UseGuards } from '@nestjs/common';
import { Domain } from './entities/domain.entity';
import { DomainsService } from './domains.service';
import { ApiKeyGuard, RequireScope } from '../api-keys/api-key.guard';
import { Caller, CurrentCaller } from '../common/caller';
import { UuidPipe } from '../common/uuid.pipe';
import { DomainArg } from './dto/domain.args';

@Resolver(() => Domain)
@UseGuards(ApiKeyGuard)
@RequireScope('admin')
export class DomainsResolver {
  constructor(private readonly domains: DomainsService) {}

  @Mutation(() => Domain)
  addDomain(
    @CurrentCaller() caller: Caller,
    @Args('organizationId', { type: () => ID }, UuidPipe) organizationId: string,
    @Args() { domain }: DomainArg,
  ): Promise<Domain> {
    return this.domains.add(caller, organizationId, domain);
  }

  @Mutation(() => Boolean)
  removeDomain(@CurrentCaller() caller: Caller, @Args('id', { type: () => ID }, UuidPipe) id: string): Promise<boolean> {
    return this.domains.remove(caller, id);
  }
}
