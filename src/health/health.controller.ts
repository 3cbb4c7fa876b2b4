import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import type { Response } from 'express';
import { HealthService } from './health.service';

/**
 * Probes. `/health` (the contract's) and `/health/ready` answer 200 when the database does;
 * `/health/live` only says the process serves requests, so an orchestrator restarts the service
 * for a hung process and not for a database outage.
 */
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  check(@Res() response: Response): Promise<void> {
    return this.answerReadiness(response);
  }

  @Get('ready')
  ready(@Res() response: Response): Promise<void> {
    return this.answerReadiness(response);
  }

  @Get('live')
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
