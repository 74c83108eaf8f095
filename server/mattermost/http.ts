// ServeHTTP over the plugin RPC (server/public/plugin/client_rpc.go, http.go, io_rpc.go).
//
// For each request the host allocates two broker ids: on ResponseWriterStream it
// serves Plugin.SyncHeader / WriteHeader / Write (we are its RPC client), and on
// RequestBodyStream it serves the body with the io_rpc protocol: the reader sends a
// zig-zag varint byte count, the host copies up to that many bytes and closes the
// stream once the body is exhausted. We ask for everything at once and read the
// stream to its end, with yamux flow control as backpressure.
//
// The host runs concurrent RPCs in parallel, so response-writer calls are issued
// strictly one after another.

import type {Readable} from 'node:stream';
import {GoMarshaled, t} from '../wire/gob/index.js';
import type {RpcClient} from '../wire/netrpc/index.js';
import type {Context} from './model.js';

export type HeaderMap = Record<string, string[]>;

/** The request as the plugin sees it: /plugins/<id> is already stripped by the server. */
export interface PluginRequest {
  readonly method: string;
  /** Path and query, e.g. /hooks/abc?x=1. */
  readonly url: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly proto: string;
  readonly host: string;
  readonly remoteAddr: string;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, readonly string[]>>;
  /** The Mattermost user id when the request is authenticated, '' otherwise. */
  readonly userId: string;
  readonly context: Context;
  readonly body: Readable;
  header(name: string): string | undefined;
}

export interface PluginResponse {
  readonly headersSent: boolean;
  statusCode: number;
  setHeader(name: string, value: string | readonly string[]): void;
  getHeader(name: string): string | undefined;
  removeHeader(name: string): void;
  /** Writes a chunk; resolves when the host has taken it. */
  write(chunk: string | Uint8Array): Promise<void>;
  end(chunk?: string | Uint8Array): Promise<void>;
}

export interface HTTPRequestSubset {
  Method?: string;
  URL?: GoMarshaled | null;
  Proto?: string;
  Header?: Record<string, string[]>;
  Host?: string;
  RemoteAddr?: string;
  RequestURI?: string;
}

const headerType = t.map(t.string, t.slice(t.string), 'http.Header');
const MAX_WRITE = 1024 * 1024;

/** Go's http.CanonicalHeaderKey. */
export function canonicalHeaderKey(name: string): string {
  return name
    .toLowerCase()
    .split('-')
    .map((p) => (p ? p[0]!.toUpperCase() + p.slice(1) : p))
    .join('-');
}

/** binary.PutVarint: zig-zag then base-128 little-endian. */
export function putVarint(n: bigint): Buffer {
  let u = n < 0n ? ((-n - 1n) << 1n) | 1n : n << 1n;
  const out: number[] = [];
  while (u >= 0x80n) {
    out.push(Number(u & 0x7fn) | 0x80);
    u >>= 7n;
  }
  out.push(Number(u));
  return Buffer.from(out);
}

export function buildRequest(subset: HTTPRequestSubset, context: Context, body: Readable): PluginRequest {
  const rawURL = subset.URL instanceof GoMarshaled ? new TextDecoder().decode(subset.URL.bytes) : subset.RequestURI || '/';
  const parsed = new URL(rawURL, 'http://plugin.invalid');
  const headers: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(subset.Header ?? {})) {
    const key = k.toLowerCase();
    headers[key] = [...(headers[key] ?? []), ...(Array.isArray(v) ? v.map(String) : [])];
  }
  const header = (name: string): string | undefined => headers[name.toLowerCase()]?.[0];
  return {
    method: (subset.Method || 'GET').toUpperCase(),
    url: parsed.pathname + parsed.search,
    path: parsed.pathname,
    query: parsed.searchParams,
    proto: subset.Proto ?? 'HTTP/1.1',
    host: subset.Host ?? '',
    remoteAddr: subset.RemoteAddr ?? '',
    headers,
    userId: header('Mattermost-User-Id') ?? '',
    context,
    body,
    header,
  };
}

/** The response writer: header map, status and body chunks sent as ordered RPCs. */
export class RpcResponse implements PluginResponse {
  statusCode = 200;
  private readonly headers = new Map<string, string[]>();
  private sent = false;
  private ended = false;
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly client: RpcClient) {}

  get headersSent(): boolean {
    return this.sent;
  }

  setHeader(name: string, value: string | readonly string[]): void {
    if (this.sent) throw new Error('headers already sent');
    this.headers.set(canonicalHeaderKey(name), typeof value === 'string' ? [value] : [...value]);
  }

  getHeader(name: string): string | undefined {
    return this.headers.get(canonicalHeaderKey(name))?.[0];
  }

  removeHeader(name: string): void {
    this.headers.delete(canonicalHeaderKey(name));
  }

  private enqueue(step: () => Promise<unknown>): Promise<void> {
    const next = this.queue.then(step).then(() => undefined);
    // Keep the chain alive after a failure so later calls report their own error.
    this.queue = next.catch(() => undefined);
    return next;
  }

  private sendHeaders(): void {
    if (this.sent) return;
    this.sent = true;
    const header = Object.fromEntries(this.headers);
    const status = this.statusCode;
    void this.enqueue(() => this.client.call('Plugin.SyncHeader', header, headerType));
    void this.enqueue(() => this.client.call('Plugin.WriteHeader', status, t.int));
  }

  write(chunk: string | Uint8Array): Promise<void> {
    if (this.ended) return Promise.reject(new Error('write after end'));
    this.sendHeaders();
    const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (data.length === 0) return this.queue;
    let last: Promise<void> = this.queue;
    for (let off = 0; off < data.length; off += MAX_WRITE) {
      const piece = data.subarray(off, off + MAX_WRITE);
      last = this.enqueue(() => this.client.call('Plugin.Write', piece, t.bytes));
    }
    return last;
  }

  async end(chunk?: string | Uint8Array): Promise<void> {
    if (this.ended) return this.queue;
    if (chunk !== undefined) await this.write(chunk);
    this.sendHeaders();
    this.ended = true;
    await this.queue;
  }

  /** Waits for every queued call; used before replying to ServeHTTP. */
  flushed(): Promise<void> {
    return this.queue;
  }
}

/** Small helpers used by routes. */
export async function sendJSON(res: PluginResponse, status: number, body: unknown): Promise<void> {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  await res.end(JSON.stringify(body));
}

export class BodyTooLargeError extends Error {
  override name = 'BodyTooLargeError';
  constructor(readonly limit: number) {
    super(`request body exceeds ${limit} bytes`);
  }
}

/** Reads the whole body, refusing (and discarding the rest of) bodies over `limit` bytes. */
export function readBody(req: PluginRequest, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const declared = Number(req.header('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > limit) {
      req.body.destroy();
      reject(new BodyTooLargeError(limit));
      return;
    }
    req.body.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.body.destroy();
        reject(new BodyTooLargeError(limit));
        return;
      }
      chunks.push(c);
    });
    req.body.on('end', () => resolve(Buffer.concat(chunks)));
    req.body.on('error', (err) => reject(err));
  });
}
