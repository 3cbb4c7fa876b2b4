import { Args, ID, Mutation, Resolver } from '@nestjs/graphql';
import { UseGuards } from '@nestjs/common';
import { SetupLinkView } from './entities/setup-link.entity';
import { SetupLinksService } from './setup-links.service';
import { ApiKeyGuard, RequireScope } from '../common/api-key.guard';
import { Caller, CurrentCaller } from '../common/caller';
import { UuidPipe } from '../common/uuid.pipe';
import { CreateSetupLinkArgs } from './dto/create-setup-link.args';

@Resolver(() => SetupLinkView)
@UseGuards(ApiKeyGuard)
@RequireScope('admin')
export class SetupLinksResolver {
  constructor(private readonly setupLinks: SetupLinksService) {}

  @Mutation(() => SetupLinkView, {
    description:
      'A one-time URL for the organization’s IT admin to set up SSO without an API key (domains, the IdP connection, a test sign-in, roles, require-SSO). Only its hash is stored (audited). Scope admin; an organization key only for its own organization.',
  })
  createSetupLink(@CurrentCaller() caller: Caller, @Args() args: CreateSetupLinkArgs): Promise<SetupLinkView> {
    return this.setupLinks.create(caller, args.organizationId, args.expiresInHours ?? undefined, args.sendTo ?? undefined);
  }

  @Mutation(() => Boolean, {
    description:
      'Ends a setup link and every portal session it started, at once (audited). True once revoked. Scope admin; an organization key only for its own.',
  })
  revokeSetupLink(
    @CurrentCaller() caller: Caller,
    @Args('id', { type: () => ID, description: 'The setup link’s id.' }, UuidPipe) id: string,
  ): Promise<boolean> {
    return this.setupLinks.revoke(caller, id);
  }
}
