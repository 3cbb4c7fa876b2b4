import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoginAttempt } from './entities/login-attempt.entity';
import { LoginRefusalCount } from './entities/login-refusal-count.entity';
import { LoginActivityService } from './login-activity.service';
import { LoginActivityResolver } from './login-activity.resolver';
import { ApiKeysModule } from '../api-keys/api-keys.module';

@Module({
  imports: [TypeOrmModule.forFeature([LoginAttempt, LoginRefusalCount]), ApiKeysModule],
  providers: [LoginActivityService, LoginActivityResolver],
  exports: [LoginActivityService],
})
export class LoginActivityModule {}
