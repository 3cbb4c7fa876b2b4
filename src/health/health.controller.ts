import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { HealthService } from './health.service';

/**
 * Probes. `/health` (the contract's) and `/health/ready` answer 200 when the database does;
 * `/health/live` only says the process serves requests, so an orchestrator restarts the service
 * for a hung process and not for a database outage.
 */
@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  @ApiOperation({ summary: 'Readiness, as the contract names it: 200 when the database answers, 503 otherwise' })
  @ApiResponse({ status: 200, description: '`{"status":"ok"}`' })
  @ApiResponse({ status: 503, description: '`{"status":"unavailable","database":"unreachable"}`' })
  check(@Res() response: Response): Promise<void> {
    return this.answerReadiness(response);
  }

  @Get('ready')
  @ApiOperation({ summary: 'Readiness probe: 200 when the database answers, 503 otherwise' })
  @ApiResponse({ status: 200, description: '`{"status":"ok"}`' })
  @ApiResponse({ status: 503, description: '`{"status":"unavailable","database":"unreachable"}`' })
  ready(@Res() response: Response): Promise<void> {
    return this.answerReadiness(response);
  }

  @Get('live')
  @ApiOperation({ summary: 'Liveness probe: 200 while the process serves requests (the database is not asked)' })
  @ApiResponse({ status: 200, description: '`{"status":"ok"}`' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  private async answerReadiness(response: Response): Promise<void> {
    if (await this.health.databaseAnswers()) {
      response.status(HttpStatus.OK).json({ status: 'ok' });
    } else {
      response.status(HttpStatus.SERVICE_UNAVAILABLE).json({ status: 'unavailable', database: 'unreachable' });
    }
  }
}
