import { Global, Module } from '@nestjs/common';
import { MetricsService } from './metrics.service';
import { MetricsController } from './metrics.controller';
import { DATABASE_OUTAGE_OBSERVER } from '../common/database-outages';

/** Low-level and global: any context may record a metric; metrics imports no context. */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [MetricsService, { provide: DATABASE_OUTAGE_OBSERVER, useExisting: MetricsService }],
  exports: [MetricsService, DATABASE_OUTAGE_OBSERVER],
})
export class MetricsModule {}
