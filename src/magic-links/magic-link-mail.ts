import type { OutgoingMail } from '../mail/mail.service';
import { escapeHtml } from '../common/html';

/** The message carrying a sign-in link, in plain text and HTML. */
export function magicLinkMail(to: string, organizationName: string, link: string, validMinutes: number): OutgoingMail {
  const subject = `Your sign-in link for ${organizationName.replace(/[\r\n]+/g, ' ')}`;
  const text = [
    `Sign in to ${organizationName}:`,
    '',
    link,
    '',
    `The link works once, for ${validMinutes} minutes. If you did not ask for it, ignore this email.`,
  ].join('\n');
  const html = `<p>Sign in to <strong>${escapeHtml(organizationName)}</strong>:</p>
<p><a href="${escapeHtml(link)}">Sign in</a></p>
<p>The link works once, for ${validMinutes} minutes. If you did not ask for it, ignore this email.</p>`;
  return { to, subject, text, html };
}
