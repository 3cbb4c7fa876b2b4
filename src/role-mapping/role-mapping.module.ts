import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RoleMapping } from './entities/role-mapping.entity';
import { RoleMappingService } from './role-mapping.service';
import { RoleMappingResolver } from './role-mapping.resolver';
import { AuditModule } from '../audit/audit.module';
import { ApiKeysModule } from '../api-keys/api-keys.module';

@Module({
  imports: [TypeOrmModule.forFeature([RoleMapping]), AuditModule, ApiKeysModule],
  providers: [RoleMappingService, RoleMappingResolver],
  exports: [RoleMappingService],
})
export class RoleMappingModule {}
