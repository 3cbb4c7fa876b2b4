import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Connection } from './entities/connection.entity';
import { ConnectionsService } from './connections.service';
import { ConnectionsResolver } from './connections.resolver';
import { IdpMetadataService } from './idp-metadata.service';
import { IdpHttpClient } from './idp-http';
import { GroupsSourceService } from './groups-source.service';
import { SecretExpiryMonitor } from './secret-expiry.monitor';
import { AuditModule } from '../audit/audit.module';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { RoleMappingModule } from '../role-mapping/role-mapping.module';
import { SecretsCipher } from '../common/secrets-cipher';
import { RequestBatcher } from '../common/request-batcher';

@Module({
  imports: [TypeOrmModule.forFeature([Connection]), AuditModule, ApiKeysModule, RoleMappingModule],
  providers: [ConnectionsService, ConnectionsResolver, IdpMetadataService, IdpHttpClient, GroupsSourceService, SecretExpiryMonitor, SecretsCipher, RequestBatcher],
  exports: [ConnectionsService, IdpHttpClient, GroupsSourceService, SecretsCipher],
})
export class ConnectionsModule {}
