import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Domain } from './entities/domain.entity';
import { DomainsService } from './domains.service';
import { DomainsResolver } from './domains.resolver';
import { DomainsRepository } from './domains.repository';
import { DomainVerificationService } from './domain-verification.service';
import { DomainVerificationMonitor } from './domain-verification.monitor';
import { TxtResolver } from './txt-resolver';
import { AuditModule } from '../audit/audit.module';
import { RequestBatcher } from '../common/request-batcher';
import { DomainFieldsOfOrganization } from './domain-fields.resolver';

@Module({
  imports: [TypeOrmModule.forFeature([Domain]), AuditModule],
  providers: [
    DomainsService,
    DomainsResolver,
    DomainsRepository,
    DomainVerificationService,
    DomainVerificationMonitor,
    TxtResolver,
    DomainFieldsOfOrganization,
    RequestBatcher,
  ],
  exports: [DomainsService],
})
export class DomainsModule {}
