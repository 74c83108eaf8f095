// The outgoing HTTP client for callbacks: every hop is vetted by the SSRF guard
// before a socket exists, the socket goes to the vetted address (not to a fresh
// DNS answer), redirects are followed by hand, and the whole exchange has one
// deadline and a response size cap.

import {rememberBounded} from '../collections/bounded.js';
import {Http1Pool, type Http1Request, type Http1Response} from './http1.js';
import {Deadline, type CancelSignal} from './deadline.js';
import {RedirectError, ResponseTooLargeError, TimeoutError} from './errors.js';
import type {SsrfGuard} from './ssrf.js';

export {RedirectError, ResponseTooLargeError, TimeoutError};

export const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;
export const DEFAULT_MAX_REDIRECTS = 5;
export const USER_AGENT = 'Mattermost-Bot/1.1';

export interface HttpResponse {
  readonly status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
  /** The URL that answered, after redirects. */
  readonly url: string;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: Uint8Array;
  timeoutMs: number;
  maxResponseBytes?: number;
  maxRedirects?: number;
}

/** One exchange with a vetted address; replaceable so tests can see (or forbid) every connection attempt. */
export type Transport = (req: Http1Request, guard: SsrfGuard) => Promise<Http1Response>;
export type {Http1Request as TransportRequest, Http1Response as TransportResponse};

/**
 * Keep-alive connections, pooled by the address they were vetted for: a
 * connection is only reused for requests whose host name resolved, and was
 * allowed, to the same address, so neither a DNS change nor a redirect can ride
 * an old connection somewhere new. A new guard (changed settings) starts a new
 * pool, and the old one closes its connections as they fall idle: connections to
 * addresses the old settings allowed are never used again.
 */
export function pooledTransport(options: {maxSockets?: number; maxIdle?: number; idleMs?: number} = {}): Transport {
  let current: {guard: SsrfGuard; pool: Http1Pool} | null = null;
  return (req, guard) => {
    if (current?.guard !== guard) {
      current?.pool.retire();
      current = {guard, pool: new Http1Pool(options)};
    }
    return current.pool.request(req);
  };
}

/** A connection per request, none kept (for tests that count connections). */
export function oneShotTransport(): Transport {
  const pool = new Http1Pool({maxIdle: 0});
  return (req) => pool.request(req);
}

export interface HttpClientOptions {
  /** Read on every request so a settings change applies at once. */
  guard: () => SsrfGuard;
  /** How exchanges are made; by default over keep-alive connections (pooledTransport). */
  transport?: Transport;
}

const SENSITIVE_ON_CROSS_HOST = ['authorization', 'cookie', 'cookie2', 'www-authenticate', 'proxy-authorization'];

/** Parsed callback URLs kept: hooks send to the same few URLs again and again. */
const URLS_KEPT = 1024;

export class HttpClient {
  private readonly guard: () => SsrfGuard;
  private readonly transport: Transport;
  /** Never changed once parsed, so one URL object serves every request to it. */
  private readonly urls = new Map<string, URL>();

  constructor(options: HttpClientOptions) {
    this.guard = options.guard;
    this.transport = options.transport ?? pooledTransport();
  }

  async request(rawURL: string, options: RequestOptions): Promise<HttpResponse> {
    const deadline = new Deadline(options.timeoutMs, () => new TimeoutError(`request timed out after ${options.timeoutMs} ms`));
    try {
      return await this.exchange(rawURL, options, deadline);
    } finally {
      deadline.finish();
    }
  }

  private async exchange(rawURL: string, options: RequestOptions, deadline: Deadline): Promise<HttpResponse> {
    const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
    const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    let url = this.parse(rawURL);
    const originalHost = url.host;
    let method = (options.method ?? 'POST').toUpperCase();
    let body = options.body;
    let headers: Record<string, string> = {'User-Agent': USER_AGENT, ...(options.headers ?? {})};

    for (let hop = 0; ; hop++) {
      const guard = this.guard();
      // Known addresses (an IP, a name just resolved) go straight on: no turn is lost before the request is written.
      const timedOut = (): TimeoutError => new TimeoutError(`request to ${url.origin} timed out after ${options.timeoutMs} ms`);
      const addresses = guard.vetNow(url) ?? (await withDeadline(guard.vetByLookup(url), deadline, timedOut));
      let response: HttpResponse;
      try {
        const res = await this.transport({url, address: addresses[0]!, method, headers, body, signal: deadline, maxBytes}, guard);
        // Not {...res, url}: V8 would give every response a map of its own.
        response = {status: res.status, headers: res.headers, body: res.body, url: url.toString()};
      } catch (err) {
        throw deadline.aborted ? timedOut() : err;
      }
      const location = response.headers.location;
      if (!isRedirect(response.status) || !location) return response;
      if (hop >= maxRedirects) throw new RedirectError(`stopped after ${maxRedirects} redirects`);
      const next = parseHttpURL(new URL(location, url).toString());
      // Go's client semantics: 301/302/303 turn a POST into a body-less GET, 307/308 repeat it.
      if (response.status !== 307 && response.status !== 308 && method !== 'GET' && method !== 'HEAD') {
        method = 'GET';
        body = undefined;
        headers = withoutHeaders(headers, ['content-type', 'content-length']);
      }
      if (next.host !== originalHost) headers = withoutHeaders(headers, SENSITIVE_ON_CROSS_HOST);
      url = next;
    }
  }

  private parse(raw: string): URL {
    const hit = this.urls.get(raw);
    if (hit) return hit;
    return rememberBounded(this.urls, raw, parseHttpURL(raw), URLS_KEPT);
  }
}

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

function withoutHeaders(headers: Record<string, string>, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (!names.includes(k.toLowerCase())) out[k] = v;
  return out;
}

export function parseHttpURL(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TypeError(`invalid URL ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`unsupported URL scheme ${url.protocol} (only http and https)`);
  if (!url.hostname) throw new TypeError(`URL ${JSON.stringify(raw)} has no host`);
  return url;
}

/** Lets the deadline also cover DNS, which has no signal of its own. */
function withDeadline<T>(promise: Promise<T>, signal: CancelSignal, timedOut: () => Error): Promise<T> {
  if (signal.aborted) return Promise.reject(timedOut());
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(timedOut());
    signal.addEventListener('abort', onAbort, {once: true});
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
