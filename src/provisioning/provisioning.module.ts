import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Invitation } from './entities/invitation.entity';
import { Membership } from './entities/membership.entity';
import { User } from './entities/user.entity';
import { SsoIdentity } from './entities/sso-identity.entity';
import { ProvisioningService } from './provisioning.service';
import { ProvisioningRepository } from './provisioning.repository';
import { ProvisioningResolver } from './provisioning.resolver';
import { RolesController } from './roles.controller';
import { RolesCache } from './roles-cache';
import { AuditModule } from '../audit/audit.module';
import { DomainsModule } from '../domains/domains.module';

@Module({
  imports: [TypeOrmModule.forFeature([Invitation, Membership, User, SsoIdentity]), AuditModule, DomainsModule],
  controllers: [RolesController],
  providers: [ProvisioningService, ProvisioningRepository, ProvisioningResolver, RolesCache],
  exports: [ProvisioningService],
})
export class ProvisioningModule {}
