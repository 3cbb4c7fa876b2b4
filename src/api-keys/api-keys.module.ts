import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKey } from './entities/api-key.entity';
import { ApiKeysService } from './api-keys.service';
import { ApiKeysResolver } from './api-keys.resolver';
import { ApiKeyGuard } from './api-key.guard';
import { AuditModule } from '../audit/audit.module';
import { ApiKeyRevocations } from './api-key-revocations';

@Module({
  imports: [TypeOrmModule.forFeature([ApiKey]), AuditModule],
  providers: [ApiKeysService, ApiKeysResolver, ApiKeyGuard, ApiKeyRevocations],
  exports: [ApiKeysService, ApiKeyGuard],
})
export class ApiKeysModule {}
