import { Inject, Injectable, Module, OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { LOGGER } from '../logging/logger';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { perRequestMiddleware } from '../common/per-request';
import { ProvisioningModule } from './provisioning.module';
import { ProvisioningService } from './provisioning.service';
import { installRolesFastPath } from './roles-fast-path';

/** Puts the roles API's warm answers before Express once the server exists (see roles-fast-path.ts). */
@Injectable()
class RolesFastPathInstaller implements OnApplicationBootstrap {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly apiKeys: ApiKeysService,
    private readonly provisioning: ProvisioningService,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const adapter = this.adapterHost.httpAdapter;
    installRolesFastPath(adapter.getHttpServer() as Server, {
      express: adapter.getInstance(),
      apiKeys: this.apiKeys,
      provisioning: this.provisioning,
      middleware: perRequestMiddleware(this.logger, this.config),
      etagOf: (adapter.getInstance() as { get(name: string): never }).get('etag fn'),
    });
  }
}

/**
 * The roles API's fast path, a module of its own so that the app can leave it out
 * (ROLES_FAST_PATH=false): then every roles request goes through Express, its guards and pipes.
 */
@Module({
  imports: [ProvisioningModule],
  providers: [RolesFastPathInstaller],
})
export class RolesFastPathModule {}
