import { Module } from '@nestjs/common';
import { AuditModule } from './audit.module';
import { AuditResolver } from './audit.resolver';
import { ApiKeysModule } from '../api-keys/api-keys.module';

/** The `auditEvents` query; apart from AuditModule, which the API-key module itself needs. */
@Module({ imports: [AuditModule, ApiKeysModule], providers: [AuditResolver] })
export class AuditApiModule {}
