import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MagicLink } from './entities/magic-link.entity';
import { MagicLinksService } from './magic-links.service';
import { MagicLinksController } from './magic-links.controller';
import { Organization } from '../organizations/entities/organization.entity';
import { AuthModule } from '../auth/auth.module';
import { DomainsModule } from '../domains/domains.module';
import { MailModule } from '../mail/mail.module';
import { ProvisioningModule } from '../provisioning/provisioning.module';
import { RateLimitsModule } from '../rate-limits/rate-limits.module';

@Module({
  imports: [
    TypeOrmModule.forFeature([MagicLink, Organization]),
    AuthModule,
    DomainsModule,
    MailModule,
    ProvisioningModule,
    RateLimitsModule,
  ],
  controllers: [MagicLinksController],
  providers: [MagicLinksService],
})
export class MagicLinksModule {}
