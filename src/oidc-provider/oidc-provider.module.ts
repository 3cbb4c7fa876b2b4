import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Application } from './entities/application.entity';
import { OidcModel } from './entities/oidc-model.entity';
import { OidcSigningKey } from './entities/oidc-signing-key.entity';
import { ApplicationsService } from './applications.service';
import { ApplicationsResolver } from './applications.resolver';
import { OidcModelsRepository } from './oidc-models.repository';
import { OidcAccountsRepository } from './oidc-accounts.repository';
import { OidcSigningKeysService } from './oidc-signing-keys.service';
import { OidcProviderService } from './oidc-provider.service';
import { OidcRateLimits } from './oidc-rate-limits';
import { InteractionController } from './interaction.controller';
import { ApplicationLoginTargets } from './application-login-targets';
import { APPLICATION_TARGETS } from '../auth/application-targets';
import { AuthModule } from '../auth/auth.module';
import { AuditModule } from '../audit/audit.module';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { ConnectionsModule } from '../connections/connections.module';
import { RateLimitsModule } from '../rate-limits/rate-limits.module';

/**
 * The service as an OpenID Provider for the product's own applications (mounted at /oidc).
 * Global only to hand the login flow its APPLICATION_TARGETS without the login flow importing it.
 */
@Global()
@Module({
  imports: [
    TypeOrmModule.forFeature([Application, OidcModel, OidcSigningKey]),
    AuthModule,
    AuditModule,
    ApiKeysModule,
    ConnectionsModule,
    RateLimitsModule,
  ],
  controllers: [InteractionController],
  providers: [
    ApplicationsService,
    ApplicationsResolver,
    OidcModelsRepository,
    OidcAccountsRepository,
    OidcSigningKeysService,
    OidcProviderService,
    OidcRateLimits,
    ApplicationLoginTargets,
    { provide: APPLICATION_TARGETS, useExisting: ApplicationLoginTargets },
  ],
  exports: [APPLICATION_TARGETS],
})
export class OidcProviderModule {}
