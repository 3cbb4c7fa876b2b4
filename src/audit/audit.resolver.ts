import { Args, ID, Int, Query, Resolver } from '@nestjs/graphql';
import { UseGuards } from '@nestjs/common';
import { AuditEvent } from './entities/audit-event.entity';
import { AuditService } from './audit.service';
import { ApiKeyGuard, RequireScope } from '../common/api-key.guard';
import { Caller, CurrentCaller } from '../common/caller';
import { UuidPipe } from '../common/uuid.pipe';

@Resolver(() => AuditEvent)
@UseGuards(ApiKeyGuard)
@RequireScope('admin')
export class AuditResolver {
  constructor(private readonly audit: AuditService) {}

  @Query(() => [AuditEvent])
  auditEvents(
    @CurrentCaller() caller: Caller,
    @Args('organizationId', { type: () => ID }, UuidPipe) organizationId: string,
    @Args('first', { type: () => Int, nullable: true }) first?: number,
  ): Promise<AuditEvent[]> {
    return this.audit.list(caller, organizationId, first ?? undefined);
  }
}
