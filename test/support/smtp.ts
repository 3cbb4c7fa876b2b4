import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import { eventually } from './eventually';

export interface ReceivedMail {
  /** The RCPT TO addresses. */
  to: string[];
  subject: string;
  /** The whole message as received, quoted-printable soft breaks and escapes undone. */
  decoded: string;
}

export interface TestSmtpServer {
  /** smtp://127.0.0.1:PORT, for SMTP_URL. */
  url: string;
  messages: ReceivedMail[];
  /** The first message that matches, waiting up to `timeoutMs` for it to arrive. */
  waitFor(predicate: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  close(): Promise<void>;
}

/** Undoes quoted-printable (RFC 2045 §6.7) well enough to read links out of a message. */
export function decodeQuotedPrintable(text: string): string {
  return text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** The sign-in link of a magic-link message. */
export function magicLinkIn(mail: ReceivedMail): string {
  const link = /https?:\/\/[^\s"<>]+\/auth\/magic-link\/verify\?token=[A-Za-z0-9_-]+/.exec(mail.decoded)?.[0];
  if (!link) throw new Error(`no sign-in link in the message: ${mail.decoded}`);
  return link;
}

/** A real SMTP server (smtp-server) on 127.0.0.1 that keeps every message it accepts, in memory. */
export async function startTestSmtpServer(): Promise<TestSmtpServer> {
  const messages: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    // Plain SMTP on loopback: nodemailer would otherwise upgrade to TLS and refuse the test certificate.
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const decoded = decodeQuotedPrintable(raw);
        messages.push({
          to: session.envelope.rcptTo.map((recipient) => recipient.address),
          subject: /^Subject: (.*)$/m.exec(raw)?.[1]?.trim() ?? '',
          decoded,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    waitFor: (predicate, timeoutMs = 5_000) =>
      eventually(
        () => {
          const found = messages.find(predicate);
          if (!found) throw new Error(`no matching message within ${timeoutMs} ms; received ${messages.length}`);
          return found;
        },
        { timeoutMs, intervalMs: 20 },
      ),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
