import { Inject, Injectable } from '@nestjs/common';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { Agent, request, type Dispatcher } from 'undici';
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

  /**
   * A fetch for openid-client's `customFetch`, jose's JWKS and the service's own metadata checks.
   * It sends with undici's `request` (a WHATWG fetch builds Request, Headers and stream objects
   * per call, the largest cost of a login outside the database) and hands back a standard
   * Response with the body already read under the size cap. Redirects are never followed.
   */
  readonly fetch = async (url: string | URL, init: RequestInit = {}): Promise<Response> => {
    const target = new URL(url);
    if (this.config.production && isIP(target.hostname.replace(/^\[|\]$/g, '')) && isInternalAddress(target.hostname.replace(/^\[|\]$/g, ''))) {
      throw new IdpRequestError(`${target.hostname} is an internal address`);
    }
    const signal = init.signal ? AbortSignal.any([AbortSignal.timeout(this.config.idpTimeoutMs), init.signal]) : AbortSignal.timeout(this.config.idpTimeoutMs);
    const headers: Record<string, string> = init.headers instanceof Headers ? Object.fromEntries(init.headers.entries()) : { ...(init.headers as Record<string, string> | undefined) };
    let body = init.body as string | Uint8Array | URLSearchParams | null | undefined;
    if (body instanceof URLSearchParams) {
      if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) headers['content-type'] = 'application/x-www-form-urlencoded;charset=UTF-8';
      body = body.toString();
    }
    let response: Dispatcher.ResponseData;
    let content: Uint8Array;
    try {
      response = await request(target, {
        method: (init.method ?? 'GET') as 'GET',
        headers,
        body: body ?? undefined,
        signal,
        dispatcher: this.agent,
      });
      content = await readCapped(response.body);
    } catch (error) {
      // One error type for "the IdP could not be talked to", whatever undici called it.
      if (error instanceof IdpRequestError) throw error;
      const reason = (error as { code?: string }).code ?? (error instanceof Error ? error.name : 'error');
      throw new IdpRequestError(`${target.origin} could not be reached (${reason})`, { cause: error });
    }
    const responseHeaders = new Headers();
    for (const [name, value] of Object.entries(response.headers)) {
      if (Array.isArray(value)) for (const each of value) responseHeaders.append(name, each);
      else if (value !== undefined) responseHeaders.set(name, value);
    }
    return new Response(response.statusCode === 204 || response.statusCode === 304 ? null : content, {
      status: response.statusCode,
      headers: responseHeaders,
    });
  };

  close(): Promise<void> {
    return this.agent.close();
  }
}

async function readCapped(body: AsyncIterable<Uint8Array> & { destroy(error?: Error): unknown }): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > MAX_RESPONSE_BYTES) {
      const error = new IdpRequestError(`response larger than ${MAX_RESPONSE_BYTES} bytes`);
      body.destroy(error);
      throw error;
    }
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}
