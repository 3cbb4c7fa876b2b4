import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Connection } from './entities/connection.entity';
import { ConnectionsService } from './connections.service';
import { ConnectionsResolver } from './connections.resolver';
import { IdpMetadataService } from './idp-metadata.service';
import { IdpHttpClient } from './idp-http';
import { GroupsSourceService } from './groups-source.service';
import { SecretExpiryMonitor } from './secret-expiry.monitor';
import { AuditModule } from '../audit/audit.module';
import { SecretsCipher } from '../common/secrets-cipher';
import { RequestBatcher } from '../common/request-batcher';
import { SsoReadiness } from '../organizations/sso-readiness';
import { ConnectionFieldsOfOrganization } from './connection-fields.resolver';

/** Global for SsoReadiness: organizations ask it without importing connections. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([Connection]), AuditModule],
  providers: [
    ConnectionsService,
    ConnectionsResolver,
    IdpMetadataService,
    IdpHttpClient,
    GroupsSourceService,
    SecretExpiryMonitor,
    SecretsCipher,
    RequestBatcher,
    ConnectionFieldsOfOrganization,
    { provide: SsoReadiness, useExisting: ConnectionsService },
  ],
  exports: [ConnectionsService, IdpHttpClient, GroupsSourceService, SecretsCipher, SsoReadiness],
})
export class ConnectionsModule {}
