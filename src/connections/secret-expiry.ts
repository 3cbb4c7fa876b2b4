import { registerEnumType } from '@nestjs/graphql';

/**
 * How a connection's client secret stands. UNKNOWN when no expiry date was given: the
 * service cannot warn about a date it does not know, and says so rather than claim OK.
 */
export enum SecretStatus {
  OK = 'OK',
  EXPIRING_SOON = 'EXPIRING_SOON',
  EXPIRED = 'EXPIRED',
  UNKNOWN = 'UNKNOWN',
}
registerEnumType(SecretStatus, {
  name: 'SecretStatus',
  description: 'How a connection’s client secret stands by its expiry date, now.',
  valuesMap: {
    OK: { description: 'Expires in more than 30 days.' },
    EXPIRING_SOON: { description: 'Expires within 30 days: replace it at the IdP and in updateConnection.' },
    EXPIRED: { description: 'The expiry date has passed; logins fail with token_exchange_failed once the IdP refuses it.' },
    UNKNOWN: { description: 'No expiry date was given, so the service cannot warn.' },
  },
});

/** Days before expiry at which admins are warned, once each. */
export const WARNING_THRESHOLDS_DAYS = [30, 7, 1] as const;
/** A secret is expiring soon from the first warning on. */
export const EXPIRING_SOON_DAYS = WARNING_THRESHOLDS_DAYS[0];
export const DAY_MS = 24 * 3600 * 1000;

/** Whole days left, rounded up (a secret expiring in 6.2 days has 7 days left); negative once expired. */
export function daysUntil(expiresAt: Date, now: Date): number {
  return Math.ceil((expiresAt.getTime() - now.getTime()) / DAY_MS);
}

export function secretStatusOf(expiresAt: Date | null, now: Date): SecretStatus {
  if (!expiresAt) return SecretStatus.UNKNOWN;
  if (expiresAt.getTime() <= now.getTime()) return SecretStatus.EXPIRED;
  return expiresAt.getTime() - now.getTime() <= EXPIRING_SOON_DAYS * DAY_MS ? SecretStatus.EXPIRING_SOON : SecretStatus.OK;
}

/**
 * The warning due now, if any: the nearest threshold reached and not yet warned. Thresholds
 * passed together (a secret entered 5 days before expiry) give one warning, not three; all of
 * them are then marked as warned.
 */
export function dueWarning(expiresAt: Date, warned: readonly number[], now: Date): { threshold: number; reached: number[] } | null {
  const daysLeft = daysUntil(expiresAt, now);
  const reached = WARNING_THRESHOLDS_DAYS.filter((threshold) => daysLeft <= threshold);
  const nearest = reached.at(-1);
  if (nearest === undefined || warned.includes(nearest)) return null;
  return { threshold: nearest, reached: [...new Set([...warned, ...reached])].sort((a, b) => b - a) };
}
