import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { RateLimitsService, type RateLimit } from '../rate-limits/rate-limits.service';

/** A one-minute window per client IP on the /sso/* routes, shared by every instance. */
@Injectable()
export class SsoRateLimitGuard implements CanActivate {
  private readonly perIp: RateLimit;

  constructor(rateLimits: RateLimitsService, @Inject(APP_CONFIG) config: AppConfig) {
    this.perIp = rateLimits.limit({ name: 'sso_ip', points: config.ssoRateLimitPerMinute, durationSeconds: 60 });
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    await this.perIp.consume(context.switchToHttp().getRequest<Request>().ip ?? 'unknown');
    return true;
  }
}
