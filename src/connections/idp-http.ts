import { Inject, Injectable } from '@nestjs/common';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { Agent, request, type Dispatcher } from 'undici';
import { APP_CONFIG, AppConfig } from '../config/app-config';

const MAX_RESPONSE_BYTES = 1024 * 1024;

function addressRange(address: string): string {
  const bare = address.replace(/^\[|\]$/g, '');
  if (!ipaddr.isValid(bare)) return 'invalid';
  let parsed = ipaddr.parse(bare);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  return parsed.range();
}

/**
 * Whether the service may open a connection to an address: public unicast only, plus loopback
 * outside production (where test and developer IdPs run). Private, link-local (169.254.169.254),
 * CGNAT, unique-local (fd00::/8), their IPv4-mapped IPv6 forms and the rest are refused in every mode.
 */
export function isAllowedIdpAddress(address: string, allowLoopback: boolean): boolean {
  const range = addressRange(address);
  return range === 'unicast' || (allowLoopback && range === 'loopback');
}

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost') return true;
  return isIP(host) !== 0 && ipaddr.parse(host).range() === 'loopback';
}

/** Why an identity provider could not be talked to, for the sign-in page and the log (never an admin's error). */
export type IdpTransportFailure = { kind: 'timeout'; afterMs: number } | { kind: 'refused' } | { kind: 'unreachable'; code: string };

/**
 * The IdP could not be talked to. Its message is the same for every transport failure (refused,
 * reset, timed out, not HTTP, not allowed), so that an error shown to an admin neither repeats what
 * the far end sent nor tells an open port from a closed one; the undici error stays in `cause`.
 * `transport` says which it was, for the person's sign-in page and the service's log only.
 */
export class IdpRequestError extends Error {
  constructor(origin: string, options?: { cause?: unknown; transport?: IdpTransportFailure }) {
    super(`${origin} could not be reached`, { cause: options?.cause });
    this.transport = options?.transport;
  }

  readonly transport?: IdpTransportFailure;
}

class AddressNotAllowedError extends Error {}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

/** What undici's (or the abort signal's) error says about the way to the IdP; nothing for a refused address. */
export function transportFailureOf(error: unknown, timeoutMs: number): IdpTransportFailure | undefined {
  const chain = [error, (error as { cause?: unknown })?.cause];
  if (chain.some((each) => each instanceof AddressNotAllowedError)) return undefined;
  const codes = chain.map((each) => (each as { code?: unknown } | undefined)?.code);
  const names = chain.map((each) => (each as { name?: unknown } | undefined)?.name);
  if (names.includes('TimeoutError') || codes.some((code) => typeof code === 'string' && TIMEOUT_CODES.has(code)))
    return { kind: 'timeout', afterMs: timeoutMs };
  if (codes.includes('ECONNREFUSED')) return { kind: 'refused' };
  const code = codes.find((each) => typeof each === 'string') as string | undefined;
  return { kind: 'unreachable', code: code ?? (error instanceof Error ? error.name : 'error') };
}

/** The log's words for a transport failure: "timed out after 5000 ms", "could not be reached (connection refused)". */
export function transportReason(failure: IdpTransportFailure): string {
  switch (failure.kind) {
    case 'timeout':
      return `timed out after ${failure.afterMs} ms`;
    case 'refused':
      return 'could not be reached (connection refused)';
    case 'unreachable':
      return `could not be reached (${failure.code})`;
    default: {
      const unhandled: never = failure;
      throw new Error(`undescribed transport failure ${JSON.stringify(unhandled)}`);
    }
  }
}

/**
 * The one way the service talks to identity providers (discovery, JWKS, token, userinfo):
 * bounded time, bounded response size, and a guard on the address each connection goes to (the
 * IP literal in the URL, or what the host name resolves to at connect time, so a DNS answer
 * cannot slip an internal address past a check of the URL), so that a connection cannot make
 * the service probe its own network.
 */
@Injectable()
export class IdpHttpClient {
  private readonly agent: Agent;

  constructor(@Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'production' | 'idpTimeoutMs'>) {
    const allowLoopback = !config.production;
    this.agent = new Agent({
      connect: {
        timeout: config.idpTimeoutMs,
        lookup: (hostname, options, callback) => {
          dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
            if (error) return callback(error, '', 0);
            const refused = addresses.find((entry) => !isAllowedIdpAddress(entry.address, allowLoopback));
            if (refused) return callback(new AddressNotAllowedError(`${hostname} resolves to ${refused.address}`), '', 0);
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
    // An IP literal is connected to without a lookup, so it is checked here.
    const literal = target.hostname.replace(/^\[|\]$/g, '');
    if (isIP(literal) && !isAllowedIdpAddress(literal, !this.config.production)) {
      throw new IdpRequestError(target.origin, { cause: new AddressNotAllowedError(`${literal} is not a public address`) });
    }
    const signal = init.signal
      ? AbortSignal.any([AbortSignal.timeout(this.config.idpTimeoutMs), init.signal])
      : AbortSignal.timeout(this.config.idpTimeoutMs);
    const headers: Record<string, string> =
      init.headers instanceof Headers
        ? Object.fromEntries(init.headers.entries())
        : { ...(init.headers as Record<string, string> | undefined) };
    let body = init.body as string | Uint8Array | URLSearchParams | null | undefined;
    if (body instanceof URLSearchParams) {
      if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-type'))
        headers['content-type'] = 'application/x-www-form-urlencoded;charset=UTF-8';
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
      // One error, one message for "the IdP could not be talked to", whatever undici called it.
      throw new IdpRequestError(target.origin, { cause: error, transport: transportFailureOf(error, this.config.idpTimeoutMs) });
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
      const error = new Error(`response larger than ${MAX_RESPONSE_BYTES} bytes`);
      body.destroy(error);
      throw error;
    }
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}
