import { DynamicModule, Global, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { RequestLoggingMiddleware } from './request-logging.middleware';
import { LOGGER } from './logger';


@Global()
@Module({})
export class LoggingModule implements NestModule {
  static forRoot(logger: Logger): DynamicModule {
    return {
      module: LoggingModule,
      providers: [{ provide: LOGGER, useValue: logger }, RequestLoggingMiddleware],
      exports: [LOGGER],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequestLoggingMiddleware).forRoutes('*path');
  }
}
