import { randomBytes } from 'node:crypto';
import type { DomainVerificationConfig } from '../config/app-config';
import { CHALLENGE_LABEL } from './domain-rules';

/** The TXT record an IT admin publishes to prove a domain. */
export interface DnsRecordToPublish {
  type: 'TXT';
  name: string;
  value: string;
}

const VALUE_PREFIX = 'sso-verification=';

/** A fresh random value for one claim: unguessable, so only who controls the zone can publish it. */
export function newVerificationToken(): string {
  return randomBytes(24).toString('base64url');
}

export function verificationRecordFor(domain: string, token: string): DnsRecordToPublish {
  return { type: 'TXT', name: `${CHALLENGE_LABEL}.${domain}`, value: `${VALUE_PREFIX}${token}` };
}

/** What a TXT lookup of the challenge name found. */
export type TxtLookup =
  | { kind: 'found' }
  | { kind: 'other_value'; values: string[] }
  | { kind: 'no_record' }
  | { kind: 'no_domain' }
  | { kind: 'unanswered'; detail: string };

/** The TXT strings at the challenge name, each already joined from its chunks, against the expected value. */
export function classifyTxtAnswer(values: string[], expected: string): TxtLookup {
  if (values.some((value) => value.trim() === expected)) return { kind: 'found' };
  return values.length ? { kind: 'other_value', values } : { kind: 'no_record' };
}

/** Whether the lookup says anything about the record (an unanswered query says nothing). */
export function isConclusive(lookup: TxtLookup): boolean {
  return lookup.kind !== 'unanswered';
}

const MAX_SHOWN_VALUE = 80;

/** Why a lookup did not verify the domain, in words an IT admin can act on. */
export function explainLookup(lookup: Exclude<TxtLookup, { kind: 'found' }>, domain: string, record: DnsRecordToPublish): string {
  switch (lookup.kind) {
    case 'no_record':
      return `No TXT record was found at ${record.name}. Publish a TXT record there with the value shown, then verify again (DNS changes can take a few minutes to appear).`;
    case 'other_value': {
      const shown = lookup.values[0].length > MAX_SHOWN_VALUE ? `${lookup.values[0].slice(0, MAX_SHOWN_VALUE)}…` : lookup.values[0];
      return `The TXT record at ${record.name} has another value ("${shown}"${lookup.values.length > 1 ? ` and ${lookup.values.length - 1} more` : ''}); set it to the value shown.`;
    }
    case 'no_domain':
      return `The domain ${domain} does not exist in DNS (the DNS server answered NXDOMAIN); check its spelling, or publish the record in the domain's DNS zone.`;
    case 'unanswered':
      return `The DNS server did not answer (${lookup.detail}); the check will be retried.`;
    default: {
      const unknown: never = lookup;
      throw new Error(`unknown lookup ${JSON.stringify(unknown)}`);
    }
  }
}

export const VERIFIED_BY_ANOTHER_ORGANIZATION = 'This domain was verified by another organization.';

/** What the background check does with a PENDING domain it could not verify. */
export type PendingNext = { kind: 'retry'; at: Date } | { kind: 'give_up' };

/**
 * Retries back off (first, twice that, … up to the maximum) and stop when the window from
 * `pendingSince` has passed; the last retry is at the window's end, not after it.
 */
export function nextPendingCheck(
  pendingSince: Date,
  attemptsSoFar: number,
  now: Date,
  config: Pick<DomainVerificationConfig, 'pendingRetryFirstMs' | 'pendingRetryMaxMs' | 'pendingGiveUpMs'>,
): PendingNext {
  const windowEnd = pendingSince.getTime() + config.pendingGiveUpMs;
  if (now.getTime() >= windowEnd) return { kind: 'give_up' };
  const backoff = Math.min(config.pendingRetryFirstMs * 2 ** Math.min(attemptsSoFar, 40), config.pendingRetryMaxMs);
  return { kind: 'retry', at: new Date(Math.min(now.getTime() + backoff, windowEnd)) };
}

/** The first background check of a new (or restarted) claim. */
export function firstPendingCheck(now: Date, config: Pick<DomainVerificationConfig, 'pendingRetryFirstMs'>): Date {
  return new Date(now.getTime() + config.pendingRetryFirstMs);
}

/** What a periodic re-check of a domain verified through DNS decides. */
export type RecheckOutcome =
  | { kind: 'confirmed'; nextAt: Date }
  | { kind: 'missing'; since: Date; nextAt: Date }
  | { kind: 'unverify'; since: Date }
  | { kind: 'inconclusive'; nextAt: Date };

/**
 * The record must be there at every re-check (monthly by default). Once missing, it is
 * checked as often as a pending domain at most, and the domain stops counting as verified
 * when the record has been missing for the grace period. A DNS server that does not answer
 * proves nothing either way.
 */
export function recheckOutcome(
  lookup: TxtLookup,
  recordMissingSince: Date | null,
  now: Date,
  config: Pick<DomainVerificationConfig, 'recheckMs' | 'recordGraceMs' | 'pendingRetryMaxMs' | 'pendingRetryFirstMs'>,
): RecheckOutcome {
  if (lookup.kind === 'found') return { kind: 'confirmed', nextAt: new Date(now.getTime() + config.recheckMs) };
  if (lookup.kind === 'unanswered') return { kind: 'inconclusive', nextAt: new Date(now.getTime() + config.pendingRetryFirstMs) };
  const since = recordMissingSince ?? now;
  const graceEnd = since.getTime() + config.recordGraceMs;
  if (now.getTime() >= graceEnd) return { kind: 'unverify', since };
  const step = Math.min(config.pendingRetryMaxMs, config.recheckMs);
  return { kind: 'missing', since, nextAt: new Date(Math.min(now.getTime() + step, graceEnd)) };
}
