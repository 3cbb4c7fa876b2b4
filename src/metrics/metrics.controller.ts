import { Controller, Get, Headers, Inject, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { timingSafeEqual, createHash } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { UnauthenticatedError } from '../common/errors';
import { MetricsService } from './metrics.service';

function sameSecret(presented: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

/**
 * GET /metrics in Prometheus text format, on the main port. Open by default (keep the port off the
 * internet, or have the proxy refuse /metrics); with METRICS_TOKEN set, scrapers must send it as
 * `Authorization: Bearer <token>`.
 */
@ApiTags('operations')
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Prometheus metrics (text format)',
    description:
      'Logins, request latency per route, roles cache, database pool, background jobs. With METRICS_TOKEN set: `Authorization: Bearer <METRICS_TOKEN>`.',
  })
  @ApiBearerAuth('metrics-token')
  @ApiResponse({ status: 200, description: 'Prometheus text exposition format' })
  @ApiResponse({ status: 401, description: 'METRICS_TOKEN is set and was not sent' })
  async scrape(@Headers('authorization') authorization: string | undefined, @Res() response: Response): Promise<void> {
    const token = this.config.metricsToken;
    if (token && !sameSecret(/^Bearer (.+)$/i.exec(authorization ?? '')?.[1] ?? '', token)) {
      throw new UnauthenticatedError('GET /metrics needs Authorization: Bearer <METRICS_TOKEN>');
    }
    response.setHeader('Content-Type', this.metrics.registry.contentType);
    response.send(await this.metrics.registry.metrics());
  }
}
