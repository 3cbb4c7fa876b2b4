import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoginState } from './entities/login-state.entity';
import { Session } from './entities/session.entity';
import { SigningKey } from './entities/signing-key.entity';
import { ClientAssertionKey } from './entities/client-assertion-key.entity';
import { ClientAssertionKeysService } from './client-assertion-keys.service';
import { ClientAssertionKeysResolver } from './client-assertion-keys.resolver';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { AuditModule } from '../audit/audit.module';
import { SsoController } from './sso.controller';
import { AuthController } from './auth.controller';
import { SsoService } from './sso.service';
import { LoginStateService } from './login-state.service';
import { OidcClientFactory } from './oidc-client.factory';
import { SessionsService } from './sessions.service';
import { SigningKeysService } from './signing-keys.service';
import { SsoRateLimitGuard } from './sso-rate-limit.guard';
import { ConnectionsModule } from '../connections/connections.module';
import { DomainsModule } from '../domains/domains.module';
import { ProvisioningModule } from '../provisioning/provisioning.module';
import { LoginActivityModule } from '../login-activity/login-activity.module';
import { ConnectionTestsModule } from '../connection-tests/connection-tests.module';
import { RateLimitsModule } from '../rate-limits/rate-limits.module';

@Module({
  imports: [
    TypeOrmModule.forFeature([LoginState, Session, SigningKey, ClientAssertionKey]),
    ConnectionsModule,
    ApiKeysModule,
    AuditModule,
    DomainsModule,
    ProvisioningModule,
    LoginActivityModule,
    ConnectionTestsModule,
    RateLimitsModule,
  ],
  controllers: [SsoController, AuthController],
  providers: [
    SsoService,
    LoginStateService,
    OidcClientFactory,
    SessionsService,
    SigningKeysService,
    ClientAssertionKeysService,
    ClientAssertionKeysResolver,
    SsoRateLimitGuard,
  ],
  exports: [SessionsService, SsoService],
})
export class AuthModule {}
