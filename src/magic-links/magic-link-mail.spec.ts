import { describe, expect, it } from '@jest/globals';
import { magicLinkMail } from './magic-link-mail';

describe(magicLinkMail.name, () => {
  const link = 'https://sso.example.com/auth/magic-link/verify?token=abc_DEF-123';

  it('carries the link verbatim in the text and the HTML part', () => {
    const mail = magicLinkMail('ann@example.com', 'Acme', link, 15);
    expect(mail.to).toBe('ann@example.com');
    expect(mail.text).toContain(link);
    expect(mail.text).toContain('15 minutes');
    expect(mail.html).toContain(`href="${link}"`);
  });

  it('escapes the organization name in HTML and keeps it to one line in the subject', () => {
    const mail = magicLinkMail('ann@example.com', '<b>Evil</b>\r\nBcc: x@example.com', link, 15);
    expect(mail.html).toContain('&lt;b&gt;Evil&lt;/b&gt;');
    expect(mail.subject).not.toMatch(/[\r\n]/);
  });
});
