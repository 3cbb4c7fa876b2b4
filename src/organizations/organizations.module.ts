import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Organization } from './entities/organization.entity';
import { OrganizationsService } from './organizations.service';
import { OrganizationsResolver } from './organizations.resolver';
import { AuditModule } from '../audit/audit.module';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { DomainsModule } from '../domains/domains.module';
import { ConnectionsModule } from '../connections/connections.module';
import { RequestBatcher } from '../common/request-batcher';

@Module({
  imports: [TypeOrmModule.forFeature([Organization]), AuditModule, ApiKeysModule, DomainsModule, ConnectionsModule],
  providers: [OrganizationsService, OrganizationsResolver, RequestBatcher],
  exports: [OrganizationsService],
})
export class OrganizationsModule {}
