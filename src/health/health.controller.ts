import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import type { Response } from 'express';
import { HealthService } from './health.service';

@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  async check(@Res() response: Response): Promise<void> {
    if (await this.health.databaseAnswers()) {
      response.status(HttpStatus.OK).json({ status: 'ok' });
    } else {
      response.status(HttpStatus.SERVICE_UNAVAILABLE).json({ status: 'unavailable', database: 'unreachable' });
    }
  }
}
