import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { RateLimitedError } from '../common/errors';

const WINDOW_MS = 60_000;

/** A fixed one-minute window per client IP on the /sso/* routes, per instance. */
@Injectable()
export class SsoRateLimitGuard implements CanActivate {
  private windowStart = Date.now();
  private readonly counts = new Map<string, number>();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const now = Date.now();
    if (now - this.windowStart >= WINDOW_MS) {
      this.windowStart = now;
      this.counts.clear();
    }
    const ip = context.switchToHttp().getRequest<Request>().ip ?? 'unknown';
    const count = (this.counts.get(ip) ?? 0) + 1;
    this.counts.set(ip, count);
    if (count > this.config.ssoRateLimitPerMinute) {
      throw new RateLimitedError(Math.ceil((this.windowStart + WINDOW_MS - now) / 1000));
    }
    return true;
  }
}
