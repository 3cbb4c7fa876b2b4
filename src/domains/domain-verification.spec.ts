import { describe, expect, it } from '@jest/globals';
import {
  type TxtLookup,
  classifyTxtAnswer,
  explainLookup,
  newVerificationToken,
  nextPendingCheck,
  recheckOutcome,
  verificationRecordFor,
} from './domain-verification';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const timings = {
  pendingRetryFirstMs: 5 * MINUTE,
  pendingRetryMaxMs: 6 * 60 * MINUTE,
  pendingGiveUpMs: 14 * DAY,
  recheckMs: 30 * DAY,
  recordGraceMs: 7 * DAY,
};
const start = new Date('2026-11-01T00:00:00Z');
const after = (ms: number) => new Date(start.getTime() + ms);

describe(verificationRecordFor.name, () => {
  it('is a TXT record at _sso-challenge.<domain> whose value carries the claim’s token', () => {
    expect(verificationRecordFor('xn--bcher-kva.de', 'tok')).toEqual({
      type: 'TXT',
      name: '_sso-challenge.xn--bcher-kva.de',
      value: 'sso-verification=tok',
    });
  });

  it('gets a different random token for every claim', () => {
    const tokens = new Set(Array.from({ length: 50 }, newVerificationToken));
    expect(tokens.size).toBe(50);
    expect([...tokens][0]).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });
});

describe(classifyTxtAnswer.name, () => {
  it('finds the expected value among several records, ignoring surrounding spaces', () => {
    expect(classifyTxtAnswer(['v=spf1 -all', ' sso-verification=tok '], 'sso-verification=tok')).toEqual({ kind: 'found' });
  });

  it('tells a record with another value from no record at all', () => {
    expect(classifyTxtAnswer(['sso-verification=old'], 'sso-verification=tok')).toEqual({
      kind: 'other_value',
      values: ['sso-verification=old'],
    });
    expect(classifyTxtAnswer([], 'sso-verification=tok')).toEqual({ kind: 'no_record' });
  });
});

describe(explainLookup.name, () => {
  const record = verificationRecordFor('acme.com', 'tok');

  it.each<[Exclude<TxtLookup, { kind: 'found' }>, RegExp]>([
    [{ kind: 'no_record' }, /^No TXT record was found at _sso-challenge\.acme\.com\./],
    [{ kind: 'other_value', values: ['sso-verification=old', 'x'] }, /has another value \("sso-verification=old" and 1 more\)/],
    [{ kind: 'no_domain' }, /^The domain acme\.com does not exist in DNS/],
    [
      { kind: 'unanswered', detail: 'no answer in time' },
      /^The DNS server did not answer \(no answer in time\); the check will be retried\.$/,
    ],
  ])('explains %j in words an IT admin can act on', (lookup, expected) => {
    expect(explainLookup(lookup, 'acme.com', record)).toMatch(expected);
  });

  it('shortens a long foreign value', () => {
    expect(explainLookup({ kind: 'other_value', values: ['z'.repeat(500)] }, 'acme.com', record).length).toBeLessThan(250);
  });
});

describe(nextPendingCheck.name, () => {
  it('backs off from the first interval, doubling up to the maximum', () => {
    expect(nextPendingCheck(start, 0, start, timings)).toEqual({ kind: 'retry', at: after(5 * MINUTE) });
    expect(nextPendingCheck(start, 3, start, timings)).toEqual({ kind: 'retry', at: after(40 * MINUTE) });
    expect(nextPendingCheck(start, 30, after(DAY), timings)).toEqual({ kind: 'retry', at: after(DAY + 6 * 60 * MINUTE) });
  });

  it('makes the last retry at the end of the window, then gives up', () => {
    expect(nextPendingCheck(start, 30, after(14 * DAY - MINUTE), timings)).toEqual({ kind: 'retry', at: after(14 * DAY) });
    expect(nextPendingCheck(start, 31, after(14 * DAY), timings)).toEqual({ kind: 'give_up' });
  });
});

describe(recheckOutcome.name, () => {
  it('confirms a record that is there and schedules the next monthly re-check', () => {
    expect(recheckOutcome({ kind: 'found' }, after(DAY), after(2 * DAY), timings)).toEqual({ kind: 'confirmed', nextAt: after(32 * DAY) });
  });

  it('starts the grace period when the record is first missed, and checks again sooner', () => {
    expect(recheckOutcome({ kind: 'no_record' }, null, start, timings)).toEqual({
      kind: 'missing',
      since: start,
      nextAt: after(6 * 60 * MINUTE),
    });
  });

  it('keeps the first miss as the start of the grace period, and unverifies at its end', () => {
    expect(recheckOutcome({ kind: 'other_value', values: ['x'] }, start, after(7 * DAY - MINUTE), timings)).toEqual({
      kind: 'missing',
      since: start,
      nextAt: after(7 * DAY),
    });
    expect(recheckOutcome({ kind: 'no_domain' }, start, after(7 * DAY), timings)).toEqual({ kind: 'unverify', since: start });
  });

  it('learns nothing from a DNS server that does not answer', () => {
    expect(recheckOutcome({ kind: 'unanswered', detail: 'x' }, start, after(30 * DAY), timings)).toEqual({
      kind: 'inconclusive',
      nextAt: after(30 * DAY + 5 * MINUTE),
    });
  });
});
