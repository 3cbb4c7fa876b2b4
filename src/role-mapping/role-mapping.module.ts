import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RoleMapping } from './entities/role-mapping.entity';
import { RoleMappingService } from './role-mapping.service';
import { RoleMappingResolver } from './role-mapping.resolver';
import { AuditModule } from '../audit/audit.module';
import { RequestBatcher } from '../common/request-batcher';
import { RoleMappingFieldsOfConnection } from './role-mapping-fields.resolver';

@Module({
  imports: [TypeOrmModule.forFeature([RoleMapping]), AuditModule],
  providers: [RoleMappingService, RoleMappingResolver, RoleMappingFieldsOfConnection, RequestBatcher],
  exports: [RoleMappingService],
})
export class RoleMappingModule {}
