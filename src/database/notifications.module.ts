import { Global, Module } from '@nestjs/common';
import { DatabaseNotifications } from './notifications';

/** Global: every context that remembers database state subscribes to the same listener. */
@Global()
@Module({ providers: [DatabaseNotifications], exports: [DatabaseNotifications] })
export class DatabaseNotificationsModule {}
