import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SetupLink } from './entities/setup-link.entity';
import { SetupSession } from './entities/setup-session.entity';
import { SetupLinksService } from './setup-links.service';
import { SetupLinksResolver } from './setup-links.resolver';
import { SetupPortalController } from './setup-portal.controller';
import { SetupProgress } from './setup-progress';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { AuditModule } from '../audit/audit.module';
import { MailModule } from '../mail/mail.module';
import { OrganizationsModule } from '../organizations/organizations.module';
import { DomainsModule } from '../domains/domains.module';
import { ConnectionsModule } from '../connections/connections.module';
import { RoleMappingModule } from '../role-mapping/role-mapping.module';
import { ConnectionTestsModule } from '../connection-tests/connection-tests.module';

/** Setup links and the portal they open: a top-level context, imported by nothing but the app. */
@Module({
  imports: [
    TypeOrmModule.forFeature([SetupLink, SetupSession]),
    ApiKeysModule,
    AuditModule,
    MailModule,
    OrganizationsModule,
    DomainsModule,
    ConnectionsModule,
    RoleMappingModule,
    ConnectionTestsModule,
  ],
  providers: [SetupLinksService, SetupLinksResolver, SetupProgress],
  controllers: [SetupPortalController],
})
export class SetupPortalModule {}
