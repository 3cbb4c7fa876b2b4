import { DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { AppConfig } from '../config/app-config';
import { ConfigModule } from '../config/config.module';
import { LoggingModule } from '../logging/logging.module';
import { typeOrmRoot } from '../database/typeorm-root';
import { DatabaseNotificationsModule } from '../database/notifications.module';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { OrganizationsModule } from '../organizations/organizations.module';
import { ConnectionsModule } from '../connections/connections.module';
import { MetricsModule } from '../metrics/metrics.module';

/** The parts of the service the admin CLI uses: its configuration, database and services, no HTTP. */
@Module({})
export class AdminCliModule {
  static forRoot(config: AppConfig & { databaseUrl: string }, logger: Logger): DynamicModule {
    return {
      module: AdminCliModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule.forRoot(logger),
        typeOrmRoot(config),
        DatabaseNotificationsModule,
        MetricsModule,
        ApiKeysModule,
        OrganizationsModule,
        // Organizations ask whether SSO is ready through it (SsoReadiness).
        ConnectionsModule,
      ],
    };
  }
}
