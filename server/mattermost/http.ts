// ServeHTTP over the plugin RPC (server/public/plugin/client_rpc.go, http.go, io_rpc.go).
//
// For each request the host allocates two broker ids: on ResponseWriterStream it
// serves Plugin.SyncHeader / WriteHeader / Write (we are its RPC client), and on
// RequestBodyStream it serves the body with the io_rpc protocol: the reader sends a
// zig-zag varint byte count, the host copies up to that many bytes, and once it
// could copy fewer (the body is exhausted) it closes the stream. We ask for the
// declared Content-Length, or for everything when the length is unknown, with
// yamux flow control as backpressure.
//
// The host runs concurrent RPCs in parallel, so response-writer calls are issued
// strictly one after another.

import {Readable, type Duplex} from 'node:stream';
import {GoMarshaled, t} from '../wire/gob/index.js';
import type {RpcClient} from '../wire/netrpc/index.js';
import type {Context} from './model.js';
import {putVarint} from './varint.js';

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
  /**
   * Sends the headers set so far now, before the status and body are known, so
   * the host has them by the time the handler writes its answer (one round trip
   * less then). Nothing is committed: headers changed afterwards are sent again
   * with the response. Optional: responses that need no round trip omit it.
   */
  preflightHeaders?(): void;
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

const canonicalKeys = new Map<string, string>();

/** Go's http.CanonicalHeaderKey. */
export function canonicalHeaderKey(name: string): string {
  const known = canonicalKeys.get(name);
  if (known !== undefined) return known;
  const key = name
    .toLowerCase()
    .split('-')
    .map((p) => (p ? p[0]!.toUpperCase() + p.slice(1) : p))
    .join('-');
  // The same few names come up again and again; a bounded memo saves the string work.
  if (canonicalKeys.size < 1000) canonicalKeys.set(name, key);
  return key;
}

const urlDecoder = new TextDecoder();

class Request implements PluginRequest {
  readonly method: string;
  readonly url: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly proto: string;
  readonly host: string;
  readonly remoteAddr: string;
  readonly headers: Record<string, string[]>;
  readonly userId: string;

  constructor(
    subset: HTTPRequestSubset,
    readonly context: Context,
    readonly body: Readable,
  ) {
    const rawURL = subset.URL instanceof GoMarshaled ? urlDecoder.decode(subset.URL.bytes) : subset.RequestURI || '/';
    const parsed = new URL(rawURL, 'http://plugin.invalid');
    // No prototype: a header named __proto__ is just a header.
    const headers = Object.create(null) as Record<string, string[]>;
    const given = subset.Header ?? {};
    for (const k in given) {
      if (!Object.hasOwn(given, k)) continue;
      const v = given[k];
      const values = Array.isArray(v) ? (v.every((x) => typeof x === 'string') ? v : v.map(String)) : [];
      const key = k.toLowerCase();
      const seen = headers[key];
      headers[key] = seen ? [...seen, ...values] : values;
    }
    this.method = (subset.Method || 'GET').toUpperCase();
    this.url = parsed.pathname + parsed.search;
    this.path = parsed.pathname;
    this.query = parsed.searchParams;
    this.proto = subset.Proto ?? 'HTTP/1.1';
    this.host = subset.Host ?? '';
    this.remoteAddr = subset.RemoteAddr ?? '';
    this.headers = headers;
    this.userId = headers['mattermost-user-id']?.[0] ?? '';
  }

  header(name: string): string | undefined {
    return this.headers[name.toLowerCase()]?.[0];
  }
}

export function buildRequest(subset: HTTPRequestSubset, context: Context, body: Readable): PluginRequest {
  return new Request(subset, context, body);
}

/** The response writer: header map, status and body chunks sent as ordered RPCs. */
export class RpcResponse implements PluginResponse {
  statusCode = 200;
  private readonly headers = new Map<string, string[]>();
  private sent = false;
  private ended = false;
  /** The host holds our current header map (preflightHeaders), unchanged since. */
  private synced = false;
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly client: RpcClient) {}

  get headersSent(): boolean {
    return this.sent;
  }

  setHeader(name: string, value: string | readonly string[]): void {
    if (this.sent) throw new Error('headers already sent');
    const key = canonicalHeaderKey(name);
    const values = typeof value === 'string' ? [value] : [...value];
    const old = this.headers.get(key);
    if (!old || old.length !== values.length || old.some((v, i) => v !== values[i])) this.synced = false;
    this.headers.set(key, values);
  }

  getHeader(name: string): string | undefined {
    return this.headers.get(canonicalHeaderKey(name))?.[0];
  }

  removeHeader(name: string): void {
    if (this.headers.delete(canonicalHeaderKey(name))) this.synced = false;
  }

  preflightHeaders(): void {
    if (this.sent || this.synced) return;
    this.synced = true;
    // SyncHeader replaces the host's whole header map and commits nothing
    // (httpResponseWriterRPCServer.SyncHeader), so it may come early and again.
    const header = Object.fromEntries(this.headers);
    void this.enqueue(() => this.client.call('Plugin.SyncHeader', header, headerType));
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
    const status = this.statusCode;
    if (!this.synced) {
      const header = Object.fromEntries(this.headers);
      void this.enqueue(() => this.client.call('Plugin.SyncHeader', header, headerType));
    }
    // The host's Plugin.Write is w.Write(b) on its net/http ResponseWriter
    // (server/public/plugin/http.go, httpResponseWriterRPCServer), and a Write
    // before any WriteHeader sends 200; a handler that writes nothing answers
    // 200 too. So 200 needs no WriteHeader call, which is what a Go plugin's
    // fmt.Fprint(w, …) sends as well (SyncHeader, then Write).
    if (status !== 200) void this.enqueue(() => this.client.call('Plugin.WriteHeader', status, t.int));
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

/** A Content-Length header all of whose values agree, as a byte count; null when absent or not one. */
export function declaredLength(header: Readonly<Record<string, readonly unknown[]>> | undefined): number | null {
  let found: number | null = null;
  for (const [name, values] of Object.entries(header ?? {})) {
    if (name.length !== 14 || name.toLowerCase() !== 'content-length' || !Array.isArray(values)) continue;
    for (const v of values) {
      if (typeof v !== 'string' || !/^\d{1,15}$/.test(v.trim())) return null;
      const n = Number(v.trim());
      if (found !== null && found !== n) return null;
      found = n;
    }
  }
  return found;
}

/** io_rpc's request for "everything": more than any body, within Go's int64. */
const READ_ALL = 1n << 40n;

/**
 * A request body read with io_rpc from a stream opened by MuxBroker.open, so
 * the broker's ack arrives first and is checked here. One request asks for the
 * declared length (or everything); once that many bytes arrived the body ends
 * and our side of the stream is closed, which ends the host's serving loop,
 * without waiting for the host to find the end of its own body.
 */
export class RemoteBody extends Readable {
  private ack: Uint8Array | null;
  private acked = 0;
  private received = 0;
  private complete = false;

  /** The io_rpc request to send behind the broker id. */
  static request(expected: number | null): Buffer {
    // Nothing to ask for an empty body: our end of the stream alone ends the host's loop.
    if (expected === 0) return Buffer.alloc(0);
    return putVarint(expected === null ? READ_ALL : BigInt(expected));
  }

  constructor(
    private readonly stream: Duplex,
    ack: Uint8Array,
    /** The declared Content-Length, or null when unknown. */
    private readonly expected: number | null,
  ) {
    super();
    // As on the yamux stream itself: a route that never reads the body must not
    // be taken down by the stream failing under it.
    this.on('error', () => {});
    this.ack = ack.length > 0 ? ack : null;
    stream.on('data', (chunk: Buffer) => this.onChunk(chunk));
    stream.on('end', () => this.done());
    stream.on('error', (err: Error) => {
      if (!this.complete) this.destroy(err);
    });
    stream.on('close', () => {
      if (!this.complete) this.destroy(new Error('request body stream closed'));
    });
    if (expected === 0) this.done();
  }

  private onChunk(chunk: Buffer): void {
    if (this.ack) {
      const n = Math.min(this.ack.length - this.acked, chunk.length);
      for (let i = 0; i < n; i++) {
        if (chunk[i] !== this.ack[this.acked + i]) {
          this.destroy(new Error('unexpected bytes where the request body stream\'s ack should be'));
          return;
        }
      }
      this.acked += n;
      if (this.acked === this.ack.length) this.ack = null;
      chunk = chunk.subarray(n);
    }
    if (chunk.length === 0 || this.complete || this.destroyed) return;
    const left = this.expected === null ? chunk.length : this.expected - this.received;
    // The host never sends more than asked; anything beyond is not body.
    if (chunk.length > left) chunk = chunk.subarray(0, left);
    this.received += chunk.length;
    if (!this.push(chunk)) this.stream.pause();
    if (this.received === this.expected) this.done();
  }

  private done(): void {
    if (this.complete || this.destroyed) return;
    this.complete = true;
    this.push(null);
    // Our end of the stream: the host's next varint read sees EOF and it closes its side.
    if (!this.stream.writableEnded) this.stream.end();
    // Keep reading (the ack, the host's FIN) so the stream finishes on both sides.
    this.stream.resume();
  }

  override _read(): void {
    if (!this.complete) this.stream.resume();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    // A body read to its end leaves the stream to close normally; otherwise tell the host to stop.
    if (!this.complete) {
      this.complete = true;
      this.stream.destroy();
    }
    cb(err);
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
