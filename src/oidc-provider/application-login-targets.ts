import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import type { ApplicationTargets } from '../auth/application-targets';
import { ApplicationsService } from './applications.service';
import { OIDC_MOUNT_PATH } from './oidc-paths';

const MAX_URL_LENGTH = 2048;

/**
 * For an IdP-initiated login whose target is an application (its initiate login URI, or any page
 * of its origin): that app's initiate login URI with `iss` and `target_link_uri` (OpenID Connect
 * Core §4). The app then makes its own authorization request, which the service session that the
 * login left answers without a second trip to the IdP.
 */
@Injectable()
export class ApplicationLoginTargets implements ApplicationTargets {
  constructor(
    private readonly applications: ApplicationsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async initiateLoginFor(target: string): Promise<string | undefined> {
    const application = await this.applications.applicationForTarget(target);
    if (!application?.initiateLoginUri) return undefined;
    const url = new URL(application.initiateLoginUri);
    url.searchParams.set('iss', `${this.config.publicUrl}${OIDC_MOUNT_PATH}`);
    url.searchParams.set('target_link_uri', target);
    if (url.href.length > MAX_URL_LENGTH) url.searchParams.delete('target_link_uri');
    return url.href;
  }
}
