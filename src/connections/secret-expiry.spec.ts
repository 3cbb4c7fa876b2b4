import { describe, expect, it } from '@jest/globals';
import { dueWarning, secretStatusOf, SecretStatus } from './secret-expiry';

const now = new Date('2026-11-23T12:00:00Z');
const inDays = (days: number) => new Date(now.getTime() + days * 24 * 3600 * 1000);

describe('secretStatusOf', () => {
  it.each([
    [null, SecretStatus.UNKNOWN],
    [inDays(90), SecretStatus.OK],
    [inDays(30.5), SecretStatus.OK],
    [inDays(30), SecretStatus.EXPIRING_SOON],
    [inDays(0.01), SecretStatus.EXPIRING_SOON],
    [inDays(0), SecretStatus.EXPIRED],
    [inDays(-3), SecretStatus.EXPIRED],
  ])('%s is %s', (expiresAt, status) => {
    expect(secretStatusOf(expiresAt, now)).toBe(status);
  });
});

describe('dueWarning', () => {
  it('warns nothing before 30 days', () => {
    expect(dueWarning(inDays(31), [], now)).toBeNull();
  });

  it('warns at each threshold once', () => {
    expect(dueWarning(inDays(30), [], now)).toEqual({ threshold: 30, reached: [30] });
    expect(dueWarning(inDays(20), [30], now)).toBeNull();
    expect(dueWarning(inDays(7), [30], now)).toEqual({ threshold: 7, reached: [30, 7] });
    expect(dueWarning(inDays(1), [30, 7], now)).toEqual({ threshold: 1, reached: [30, 7, 1] });
    expect(dueWarning(inDays(-2), [30, 7, 1], now)).toBeNull();
  });

  it('gives one warning for thresholds passed together', () => {
    expect(dueWarning(inDays(5), [], now)).toEqual({ threshold: 7, reached: [30, 7] });
    expect(dueWarning(inDays(-1), [], now)).toEqual({ threshold: 1, reached: [30, 7, 1] });
  });
});
