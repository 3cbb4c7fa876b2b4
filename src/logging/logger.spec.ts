import { describe, expect, it } from '@jest/globals';
import { Writable } from 'node:stream';
import { createLogger, redactUrl } from './logger';

describe(redactUrl.name, () => {
  it('blanks credential-bearing query parameters and keeps the rest', () => {
    const redacted = redactUrl('/sso/callback/abc?code=SECRET1&state=SECRET2&iss=https%3A%2F%2Fidp');
    expect(redacted).not.toContain('SECRET');
    expect(redacted).toContain('iss=https');
    expect(redactUrl('/auth/magic-link/verify?token=T0KEN')).not.toContain('T0KEN');
    expect(redactUrl('/health')).toBe('/health');
  });

  it('blanks the token of a test sign-in link, which travels in the path', () => {
    expect(redactUrl('/sso/test/T0KEN-value_1')).toBe('/sso/test/[Redacted]');
    expect(redactUrl('/sso/test/T0KEN?x=1')).toBe('/sso/test/[Redacted]?x=1');
    expect(redactUrl('/SSO/Test/T0KEN')).not.toContain('T0KEN');
    expect(redactUrl('//sso//test/T0KEN')).not.toContain('T0KEN');
    expect(redactUrl('/sso/callback/abc')).toBe('/sso/callback/abc');
  });
});

describe('log redaction', () => {
  it('never writes authorization headers, cookies or secrets', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger('info', false, sink);
    logger.info({
      req: { headers: { authorization: 'Bearer KEY-VALUE', cookie: 'sso_session=TOKEN-VALUE' } },
      res: { headers: { 'set-cookie': 'sso_session=SET-VALUE' } },
      input: { clientSecret: 'CLIENT-SECRET-VALUE', name: 'kept' },
      secret: 'TOP-SECRET-VALUE',
    });
    const written = lines.join('');
    expect(written).toContain('kept');
    expect(written).not.toMatch(/KEY-VALUE|TOKEN-VALUE|SET-VALUE|CLIENT-SECRET-VALUE|TOP-SECRET-VALUE/);
  });
});
