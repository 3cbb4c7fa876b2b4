import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { RateLimitedError } from '../common/errors';
import { FixedWindowLimiter } from '../common/fixed-window-limiter';

/** A one-minute window per client IP on the /sso/* routes, per instance. */
@Injectable()
export class SsoRateLimitGuard implements CanActivate {
  private readonly limiter: FixedWindowLimiter;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.limiter = new FixedWindowLimiter(config.ssoRateLimitPerMinute, 60_000);
  }

  canActivate(context: ExecutionContext): boolean {
    const ip = context.switchToHttp().getRequest<Request>().ip ?? 'unknown';
    const decision = this.limiter.hit(ip);
    if (!decision.allowed) throw new RateLimitedError(decision.retryAfterSeconds);
    return true;
  }
}
