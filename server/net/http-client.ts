// The outgoing HTTP client for callbacks: every hop is vetted by the SSRF guard
// before a socket exists, the socket goes to the vetted address (not to a fresh
// DNS answer), redirects are followed by hand, and the whole exchange has one
// deadline and a response size cap.

import http from 'node:http';
import https from 'node:https';
import type {LookupFunction} from 'node:net';
import type {ResolvedAddress, SsrfGuard} from './ssrf.js';

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

export interface ConnectTarget {
  readonly url: URL;
  /** The vetted address the socket must go to. */
  readonly address: ResolvedAddress;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly signal: AbortSignal;
}

/** Opens the request; replaceable so tests can see (or forbid) every connection attempt. */
export type Connector = (target: ConnectTarget) => http.ClientRequest;

/** A lookup that answers with the vetted address whatever the name, so DNS cannot be asked twice. */
export function pinnedLookup(address: ResolvedAddress): LookupFunction {
  return ((_host: string, options: {all?: boolean}, callback: (err: Error | null, address: string | {address: string; family: number}[], family?: number) => void) => {
    if (options?.all) callback(null, [{address: address.address, family: address.family}]);
    else callback(null, address.address, address.family);
  }) as unknown as LookupFunction;
}

/** One connection per request, nothing kept. */
export const nodeConnector: Connector = ({url, address, method, headers, signal}) => {
  const mod = url.protocol === 'https:' ? https : http;
  return mod.request(url, {method, headers, signal, agent: false, lookup: pinnedLookup(address)});
};

const AGENT_OPTIONS = {
  keepAlive: true,
  maxSockets: 128,
  maxFreeSockets: 128,
  // Below the 5 s most servers keep an idle connection, so a reused one is rarely closed under us.
  timeout: 4000,
  scheduling: 'lifo',
} as const;

/**
 * Keep-alive connections, pooled by the address they were vetted for: a socket
 * is only reused for requests whose host name resolved, and was allowed, to the
 * same address, so neither a DNS change nor a redirect can ride an old
 * connection somewhere new. A new guard (changed settings) starts a new pool:
 * connections to addresses the old settings allowed are never used again.
 */
export class ConnectionPool {
  private agents = new Map<string, http.Agent>();
  private guard: SsrfGuard | null = null;

  constructor(private readonly maxAgents = 256) {}

  /** Called with the guard of each request: pooled connections belong to one guard. */
  use(guard: SsrfGuard): void {
    if (guard === this.guard) return;
    this.guard = guard;
    // Requests in flight finish on their sockets; idle ones close on their timeout.
    this.agents = new Map();
  }

  agentFor(url: URL, address: ResolvedAddress): http.Agent {
    const key = `${url.protocol}//${address.family === 6 ? `[${address.address}]` : address.address}`;
    let agent = this.agents.get(key);
    if (!agent) {
      agent = url.protocol === 'https:' ? new https.Agent(AGENT_OPTIONS) : new http.Agent(AGENT_OPTIONS);
      this.agents.set(key, agent);
      if (this.agents.size > this.maxAgents) {
        const oldest = this.agents.keys().next().value!;
        this.agents.get(oldest)?.destroy();
        this.agents.delete(oldest);
      }
    }
    return agent;
  }

  get size(): number {
    return this.agents.size;
  }
}

export function pooledConnector(pool: ConnectionPool): Connector {
  return ({url, address, method, headers, signal}) => {
    const mod = url.protocol === 'https:' ? https : http;
    return mod.request(url, {method, headers, signal, agent: pool.agentFor(url, address), lookup: pinnedLookup(address)});
  };
}

export class TimeoutError extends Error {
  override name = 'TimeoutError';
}
export class ResponseTooLargeError extends Error {
  override name = 'ResponseTooLargeError';
}
export class RedirectError extends Error {
  override name = 'RedirectError';
}

export interface HttpClientOptions {
  /** Read on every request so a settings change applies at once. */
  guard: () => SsrfGuard;
  /** How connections are opened; by default kept alive in a ConnectionPool. */
  connector?: Connector;
}

const SENSITIVE_ON_CROSS_HOST = ['authorization', 'cookie', 'cookie2', 'www-authenticate', 'proxy-authorization'];

export class HttpClient {
  private readonly guard: () => SsrfGuard;
  private readonly connector: Connector;

  private readonly pool = new ConnectionPool();

  constructor(options: HttpClientOptions) {
    this.guard = options.guard;
    this.connector = options.connector ?? pooledConnector(this.pool);
  }

  async request(rawURL: string, options: RequestOptions): Promise<HttpResponse> {
    const deadline = AbortSignal.timeout(Math.max(1, options.timeoutMs));
    const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
    const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    let url = parseHttpURL(rawURL);
    const originalHost = url.host;
    let method = (options.method ?? 'POST').toUpperCase();
    let body = options.body;
    let headers: Record<string, string> = {'User-Agent': USER_AGENT, ...(options.headers ?? {})};

    for (let hop = 0; ; hop++) {
      const guard = this.guard();
      this.pool.use(guard);
      const addresses = await withDeadline(guard.vet(url), deadline, options.timeoutMs);
      const response = await this.once(url, addresses[0]!, method, headers, body, deadline, options.timeoutMs, maxBytes);
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

  private once(url: URL, address: ResolvedAddress, method: string, headers: Record<string, string>, body: Uint8Array | undefined, signal: AbortSignal, timeoutMs: number, maxBytes: number): Promise<HttpResponse> {
    return new Promise<HttpResponse>((resolve, reject) => {
      const sendHeaders = {...headers};
      if (body) sendHeaders['Content-Length'] = String(body.length);
      let req: http.ClientRequest;
      try {
        req = this.connector({url, address, method, headers: sendHeaders, signal});
      } catch (err) {
        reject(err);
        return;
      }
      let settled = false;
      const fail = (err: unknown): void => {
        if (settled) return;
        settled = true;
        reject(signal.aborted ? new TimeoutError(`request to ${url.origin} timed out after ${timeoutMs} ms`) : err);
      };
      req.on('error', fail);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            fail(new ResponseTooLargeError(`response from ${url.origin} exceeds ${maxBytes} bytes`));
            res.destroy();
            req.destroy();
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', fail);
        res.on('end', () => {
          if (settled) return;
          settled = true;
          const out: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
          resolve({status: res.statusCode ?? 0, headers: out, body: Buffer.concat(chunks), url: url.toString()});
        });
      });
      req.end(body ? Buffer.from(body.buffer, body.byteOffset, body.byteLength) : undefined);
    });
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
function withDeadline<T>(promise: Promise<T>, signal: AbortSignal, timeoutMs: number): Promise<T> {
  if (signal.aborted) return Promise.reject(new TimeoutError(`request timed out after ${timeoutMs} ms`));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new TimeoutError(`request timed out after ${timeoutMs} ms`));
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
