import { Module } from '@nestjs/common';
import { AuditModule } from './audit.module';
import { AuditResolver } from './audit.resolver';

/** The `auditEvents` query; apart from AuditModule, which the API-key module itself needs. */
@Module({ imports: [AuditModule], providers: [AuditResolver] })
export class AuditApiModule {}
