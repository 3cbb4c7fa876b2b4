import { Inject, Injectable } from '@nestjs/common';
import { Resolver } from 'node:dns/promises';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { classifyTxtAnswer, type TxtLookup } from './domain-verification';

/** What a DNS error code means for the person who published (or did not publish) the record. */
const UNANSWERED: Record<string, string> = {
  ETIMEOUT: 'no answer in time',
  ECANCELLED: 'no answer in time',
  ECONNREFUSED: 'connection refused',
  ESERVFAIL: 'the server reported a failure (SERVFAIL)',
  EREFUSED: 'the server refused the query (REFUSED)',
  EBADRESP: 'the answer was malformed',
  ECONNRESET: 'the connection was reset',
};

/**
 * Looks verification records up through Node's resolver, on DNS_SERVERS (or the system's
 * resolvers), within a bounded time: per-attempt timeout and tries, and an overall deadline
 * that cancels whatever is still running.
 */
@Injectable()
export class TxtResolver {
  constructor(@Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'domainVerification'>) {}

  async lookup(domain: string, recordName: string, expectedValue: string): Promise<TxtLookup> {
    const { dnsServers, dnsTimeoutMs, dnsTries, dnsDeadlineMs } = this.config.domainVerification;
    const resolver = new Resolver({ timeout: dnsTimeoutMs, tries: dnsTries });
    if (dnsServers.length) resolver.setServers(dnsServers);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<TxtLookup>((resolve) => {
      timer = setTimeout(() => {
        resolver.cancel();
        resolve({ kind: 'unanswered', detail: `no answer within ${dnsDeadlineMs} ms` });
      }, dnsDeadlineMs);
    });
    try {
      return await Promise.race([this.query(resolver, domain, recordName, expectedValue), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async query(resolver: Resolver, domain: string, recordName: string, expectedValue: string): Promise<TxtLookup> {
    try {
      const records = await resolver.resolveTxt(recordName);
      return classifyTxtAnswer(
        records.map((chunks) => chunks.join('')),
        expectedValue,
      );
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      if (code === 'ENODATA') return { kind: 'no_record' };
      // NXDOMAIN for the challenge name: is it only the record that is missing, or the domain?
      if (code === 'ENOTFOUND') return this.missingRecordOrDomain(resolver, domain);
      return unanswered(code);
    }
  }

  /** The domain exists when it has records, or none of type TXT (NODATA); NXDOMAIN says it does not. */
  private async missingRecordOrDomain(resolver: Resolver, domain: string): Promise<TxtLookup> {
    try {
      await resolver.resolveTxt(domain);
      return { kind: 'no_record' };
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      if (code === 'ENODATA') return { kind: 'no_record' };
      if (code === 'ENOTFOUND') return { kind: 'no_domain' };
      return unanswered(code);
    }
  }
}

function unanswered(code: string): TxtLookup {
  return { kind: 'unanswered', detail: UNANSWERED[code] ?? (code || 'unknown error') };
}
