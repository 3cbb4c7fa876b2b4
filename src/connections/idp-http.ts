import { Inject, Injectable } from '@nestjs/common';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { Agent, fetch as undiciFetch } from 'undici';
import { APP_CONFIG, AppConfig } from '../config/app-config';

const MAX_RESPONSE_BYTES = 1024 * 1024;

/** Loopback, private, link-local, cloud metadata and the like: never an IdP in production. */
export function isInternalAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return true;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  return parsed.range() !== 'unicast';
}

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost') return true;
  return isIP(host) !== 0 && ipaddr.parse(host).range() === 'loopback';
}

export class IdpRequestError extends Error {}

/**
 * The one way the service talks to identity providers (discovery, JWKS, token, userinfo):
 * bounded time, bounded response size, and in production a guard that checks the address a
 * host resolves to, so that a connection cannot make the service probe its own network.
 */
@Injectable()
export class IdpHttpClient {
  private readonly agent: Agent;

  constructor(@Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'production' | 'idpTimeoutMs'>) {
    const guardAddresses = config.production;
    this.agent = new Agent({
      connect: {
        timeout: config.idpTimeoutMs,
        lookup: (hostname, options, callback) => {
          dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
            if (error) return callback(error, '', 0);
            const refused = guardAddresses ? addresses.find((entry) => isInternalAddress(entry.address)) : undefined;
            if (refused) {
              return callback(new IdpRequestError(`${hostname} resolves to an internal address`), '', 0);
            }
            if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
            callback(null, addresses[0].address, addresses[0].family);
          });
        },
      },
      headersTimeout: config.idpTimeoutMs,
      bodyTimeout: config.idpTimeoutMs,
    });
  }

  /** A fetch for openid-client's `customFetch` and for the service's own metadata checks. */
  readonly fetch = async (url: string | URL, init: RequestInit = {}): Promise<Response> => {
    const target = new URL(url);
    if (this.config.production && isIP(target.hostname.replace(/^\[|\]$/g, '')) && isInternalAddress(target.hostname.replace(/^\[|\]$/g, ''))) {
      throw new IdpRequestError(`${target.hostname} is an internal address`);
    }
    const signal = AbortSignal.any([AbortSignal.timeout(this.config.idpTimeoutMs), ...(init.signal ? [init.signal] : [])]);
    const response = await undiciFetch(target, {
      ...(init as object),
      signal,
      redirect: 'manual',
      dispatcher: this.agent,
    } as Parameters<typeof undiciFetch>[1]);
    const body = await readCapped(response.body as ReadableStream<Uint8Array> | null);
    return new Response(response.status === 204 || response.status === 304 ? null : body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers as unknown as Headers,
    });
  };

  close(): Promise<void> {
    return this.agent.close();
  }
}

async function readCapped(body: ReadableStream<Uint8Array> | null): Promise<Uint8Array> {
  if (!body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > MAX_RESPONSE_BYTES) throw new IdpRequestError(`response larger than ${MAX_RESPONSE_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
