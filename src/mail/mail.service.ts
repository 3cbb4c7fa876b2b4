import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { createTransport, type Transporter } from 'nodemailer';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { BackgroundWork } from '../common/background-work';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Where a message went: to the SMTP server, or into a file of the offline outbox. */
export type MailReceipt = { via: 'smtp' } | { via: 'outbox'; file: string };

const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };

/**
 * Sends mail through SMTP_URL; without it, each message is written as an .eml file to
 * `<DATA_DIR>/outbox/`, so a laptop demo works offline and the message can be opened as is.
 */
@Injectable()
export class MailService implements OnApplicationShutdown {
  private readonly logger = new Logger(MailService.name);
  private readonly transport: Transporter;
  private readonly background = new BackgroundWork((error) => {
    this.logger.error(`sending mail failed: ${error instanceof Error ? error.message : error}`);
  });

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.transport = config.smtpUrl
      ? createTransport({ url: config.smtpUrl, ...SMTP_TIMEOUTS })
      : createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  }

  async send(mail: OutgoingMail): Promise<MailReceipt> {
    const info = await this.transport.sendMail({ from: this.config.mailFrom, ...mail });
    if (this.config.smtpUrl) return { via: 'smtp' };
    const outbox = join(this.config.dataDir, 'outbox');
    await mkdir(outbox, { recursive: true, mode: 0o700 });
    const file = join(outbox, `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID()}.eml`);
    // The message may hold a live sign-in link: readable by the service's user only.
    // Written aside and renamed: whoever watches the outbox never opens a half-written message.
    await writeFile(`${file}.partial`, info.message as Buffer, { mode: 0o600 });
    await rename(`${file}.partial`, file);
    return { via: 'outbox', file };
  }

  /**
   * Sends without making the caller wait, for answers that must take the same time whether
   * or not a message goes out. Failures are logged; shutdown waits for messages on their way.
   */
  sendInBackground(mail: OutgoingMail, onSent: (receipt: MailReceipt) => void): void {
    this.background.run(this.send(mail).then(onSent));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.background.settled();
    this.transport.close();
  }
}
