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

  @Query(() => [AuditEvent], {
    description: 'The organization’s audit events, newest first. Scope admin; an organization key only its own organization’s.',
  })
  auditEvents(
    @CurrentCaller() caller: Caller,
    @Args('organizationId', { type: () => ID, description: 'The organization.' }, UuidPipe) organizationId: string,
    @Args('first', { type: () => Int, nullable: true, description: 'How many of the newest events: 1–500, default 50.' }) first?: number,
  ): Promise<AuditEvent[]> {
    return this.audit.list(caller, organizationId, first ?? undefined);
  }
}
