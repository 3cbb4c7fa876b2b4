import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKey } from './entities/api-key.entity';
import { ApiKeysService } from './api-keys.service';
import { ApiKeysResolver } from './api-keys.resolver';
import { CallerAuthenticator } from '../common/caller';
import { AuditModule } from '../audit/audit.module';
import { ApiKeyRevocations } from './api-key-revocations';

/** Global: every context's resolvers are guarded by ApiKeyGuard, which needs the CallerAuthenticator. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([ApiKey]), AuditModule],
  providers: [ApiKeysService, ApiKeysResolver, ApiKeyRevocations, { provide: CallerAuthenticator, useExisting: ApiKeysService }],
  exports: [ApiKeysService, CallerAuthenticator],
})
export class ApiKeysModule {}
