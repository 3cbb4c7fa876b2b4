import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Invitation } from './entities/invitation.entity';
import { Membership } from './entities/membership.entity';
import { User } from './entities/user.entity';
import { SsoIdentity } from './entities/sso-identity.entity';
import { ProvisioningService } from './provisioning.service';
import { ProvisioningResolver } from './provisioning.resolver';
import { RolesController } from './roles.controller';
import { RolesCache } from './roles-cache';
import { AuditModule } from '../audit/audit.module';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { DomainsModule } from '../domains/domains.module';

@Module({
  imports: [TypeOrmModule.forFeature([Invitation, Membership, User, SsoIdentity]), AuditModule, ApiKeysModule, DomainsModule],
  controllers: [RolesController],
  providers: [ProvisioningService, ProvisioningResolver, RolesCache],
  exports: [ProvisioningService],
})
export class ProvisioningModule {}
