import { Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { UseGuards } from '@nestjs/common';
import { Domain } from './entities/domain.entity';
import { DomainsService } from './domains.service';
import { ApiKeyGuard, RequireScope } from '../common/api-key.guard';
import { RequestBatcher } from '../common/request-batcher';
import { Organization } from '../organizations/entities/organization.entity';

/** `Organization.domains`, resolved here so that organizations need not know domains. */
@Resolver(() => Organization)
@UseGuards(ApiKeyGuard)
@RequireScope('admin')
export class DomainFieldsOfOrganization {
  constructor(
    private readonly domainsService: DomainsService,
    private readonly batcher: RequestBatcher,
  ) {}

  @ResolveField(() => [Domain], { description: 'The organization’s domain claims, in every status.' })
  domains(@Parent() organization: Organization): Promise<Domain[]> {
    return this.batcher.load('organization.domains', organization.id, (ids) => this.domainsService.forOrganizations(ids));
  }
}
