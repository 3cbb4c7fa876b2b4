import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConnectionTest } from './entities/connection-test.entity';
import { ConnectionTestsService } from './connection-tests.service';
import { ConnectionTestsResolver } from './connection-tests.resolver';
import { ConnectionsModule } from '../connections/connections.module';

@Module({
  imports: [TypeOrmModule.forFeature([ConnectionTest]), ConnectionsModule],
  providers: [ConnectionTestsService, ConnectionTestsResolver],
  exports: [ConnectionTestsService],
})
export class ConnectionTestsModule {}
