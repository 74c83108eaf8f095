// A small HTTP/1.1 client (RFC 9112) for callbacks: one request at a time per
// connection, no pipelining, no upgrades. Requests are written whole (head and
// body in one write); responses are parsed as bytes arrive: status line, header
// fields, then a body framed by RFC 9112 §6.3 — none for HEAD, 1xx, 204 and 304;
// chunked when Transfer-Encoding ends in chunked (extensions ignored, trailers
// read and dropped); else Content-Length; else until the server closes.
// Interim 1xx responses are skipped. obs-fold, bad lengths, bad chunk sizes and
// header sections over 64 KiB are errors. A connection is reused only after a
// complete response that allows it (HTTP/1.1 without `Connection: close`,
// HTTP/1.0 with `Connection: keep-alive`, not read until close).
//
// Connections are pooled by the address they were vetted for (plus the TLS
// server name) and go to that address, never to a fresh DNS answer. There are
// no retries: the delivery queue has its own policy.

import net from 'node:net';
import tls from 'node:tls';
import type {CancelSignal} from './deadline.js';
import {ResponseTooLargeError} from './errors.js';
import type {ResolvedAddress} from './ssrf.js';

export interface Http1Request {
  readonly url: URL;
  /** The vetted address the connection must go to. */
  readonly address: ResolvedAddress;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Uint8Array | undefined;
  readonly signal: CancelSignal;
  /** Longest body accepted. */
  readonly maxBytes: number;
}

export interface Http1Response {
  readonly status: number;
  /** Lower-case names; repeated fields joined with ", ". */
  readonly headers: Record<string, string>;
  readonly body: Uint8Array;
}

export interface Http1PoolOptions {
  /** Connections per address at once; more requests wait their turn. */
  maxSockets?: number;
  /** Idle connections kept per address. */
  maxIdle?: number;
  /** An idle connection is closed after this long (below the 5 s most servers keep one). */
  idleMs?: number;
}

export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

const MAX_HEADER_BYTES = 64 * 1024;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BAD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
/** Framing is ours to decide. */
const OWN_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection']);

/** The request head, checked for header injection before anything is sent. */
export function requestHead(req: Pick<Http1Request, 'url' | 'method' | 'headers' | 'body'>): string {
  if (!TOKEN.test(req.method)) throw new TypeError(`invalid HTTP method ${JSON.stringify(req.method)}`);
  let head = `${req.method} ${req.url.pathname || '/'}${req.url.search} HTTP/1.1\r\nHost: ${req.url.host}\r\n`;
  for (const [name, value] of Object.entries(req.headers)) {
    if (!TOKEN.test(name)) throw new TypeError(`invalid header name ${JSON.stringify(name)}`);
    if (BAD_VALUE.test(value)) throw new TypeError(`invalid characters in the value of header ${name}`);
    if (OWN_HEADERS.has(name.toLowerCase())) continue;
    head += `${name}: ${value}\r\n`;
  }
  const bodyAllowed = req.method !== 'GET' && req.method !== 'HEAD';
  if (req.body) head += `Content-Length: ${req.body.length}\r\n`;
  else if (bodyAllowed) head += 'Content-Length: 0\r\n';
  return head + '\r\n';
}

type State = 'status' | 'headers' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' | 'until-close' | 'done';

/** Parses one response, fed chunk by chunk. */
export class ResponseParser {
  status = 0;
  readonly headers: Record<string, string> = {};
  /** Whether the connection may carry another request afterwards. */
  reusable = false;
  /** Bytes after the end of the response (a reused connection must have none). */
  leftover = 0;
  private state: State = 'status';
  private pending: Buffer | null = null;
  private headerBytes = 0;
  private minor = 1;
  private remaining = 0;
  private readonly chunks: Buffer[] = [];
  private size = 0;

  constructor(
    private readonly head: boolean,
    private readonly maxBytes: number,
  ) {}

  get done(): boolean {
    return this.state === 'done';
  }

  get started(): boolean {
    return this.state !== 'status' || this.pending !== null;
  }

  get body(): Uint8Array {
    return this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.size);
  }

  /** Feeds bytes; throws on a malformed or oversized response. */
  feed(data: Buffer): void {
    const buf = this.pending ? Buffer.concat([this.pending, data]) : data;
    this.pending = null;
    let at = 0;
    while (at < buf.length && this.state !== 'done') {
      switch (this.state) {
        case 'length':
        case 'chunk-data': {
          const take = Math.min(this.remaining, buf.length - at);
          this.keep(buf.subarray(at, at + take));
          at += take;
          this.remaining -= take;
          if (this.remaining === 0) this.state = this.state === 'length' ? 'done' : 'chunk-end';
          break;
        }
        case 'until-close':
          this.keep(buf.subarray(at));
          at = buf.length;
          break;
        default: {
          const nl = buf.indexOf(10, at);
          if (nl < 0) {
            if (this.state !== 'chunk-end' && this.state !== 'chunk-size') this.countHeader(buf.length - at);
            else if (buf.length - at > 1024) throw new ProtocolError('chunk size line too long');
            this.pending = buf.subarray(at);
            return;
          }
          const end = nl > at && buf[nl - 1] === 13 ? nl - 1 : nl;
          const line = buf.toString('latin1', at, end);
          if (this.state === 'status' || this.state === 'headers' || this.state === 'trailers') this.countHeader(nl + 1 - at);
          at = nl + 1;
          this.line(line);
        }
      }
    }
    this.leftover += buf.length - at;
  }

  /** The server closed the connection: fine only for a body read until close. */
  end(): void {
    if (this.state === 'until-close') this.state = 'done';
    if (this.state !== 'done') throw new ProtocolError(this.started ? 'the connection closed before the response was complete' : 'the connection closed before a response');
  }

  private countHeader(n: number): void {
    this.headerBytes += n;
    if (this.headerBytes > MAX_HEADER_BYTES) throw new ProtocolError(`response header section exceeds ${MAX_HEADER_BYTES} bytes`);
  }

  private keep(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.size += chunk.length;
    if (this.size > this.maxBytes) throw new ResponseTooLargeError(`response exceeds ${this.maxBytes} bytes`);
    this.chunks.push(chunk);
  }

  private line(line: string): void {
    switch (this.state) {
      case 'status': {
        if (line === '' && this.headerBytes <= 2) return; // a stray CRLF before the status line
        const m = /^HTTP\/1\.([01]) (\d{3})(?: .*)?$/.exec(line);
        if (!m) throw new ProtocolError(`malformed status line ${JSON.stringify(line.slice(0, 80))}`);
        this.minor = Number(m[1]);
        this.status = Number(m[2]);
        for (const k of Object.keys(this.headers)) delete this.headers[k];
        this.state = 'headers';
        return;
      }
      case 'headers':
        if (line === '') return this.headersDone();
        this.field(line, this.headers);
        return;
      case 'trailers':
        if (line === '') this.state = 'done';
        else this.field(line, {});
        return;
      case 'chunk-size': {
        const hex = line.split(';', 1)[0]!.trim();
        if (!/^[0-9a-fA-F]{1,15}$/.test(hex)) throw new ProtocolError(`invalid chunk size ${JSON.stringify(hex.slice(0, 20))}`);
        this.remaining = parseInt(hex, 16);
        this.state = this.remaining === 0 ? 'trailers' : 'chunk-data';
        return;
      }
      case 'chunk-end':
        if (line !== '') throw new ProtocolError('missing CRLF after a chunk');
        this.state = 'chunk-size';
        return;
    }
  }

  private field(line: string, into: Record<string, string>): void {
    if (line[0] === ' ' || line[0] === '\t') throw new ProtocolError('obsolete line folding in a response header');
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon) : '';
    if (!TOKEN.test(name)) throw new ProtocolError(`malformed response header line ${JSON.stringify(line.slice(0, 80))}`);
    const key = name.toLowerCase();
    const value = line.slice(colon + 1).trim();
    into[key] = key in into ? `${into[key]}, ${value}` : value;
  }

  private headersDone(): void {
    if (this.status >= 100 && this.status < 200) {
      if (this.status === 101) throw new ProtocolError('unexpected 101 Switching Protocols');
      this.state = 'status'; // interim response: the real one follows
      return;
    }
    const connection = (this.headers.connection ?? '').toLowerCase().split(',').map((t) => t.trim());
    this.reusable = this.minor === 1 ? !connection.includes('close') : connection.includes('keep-alive');
    if (this.head || this.status === 204 || this.status === 304) {
      this.state = 'done';
      return;
    }
    const te = this.headers['transfer-encoding'];
    if (te !== undefined) {
      const last = te.toLowerCase().split(',').pop()!.trim();
      if (last === 'chunked') this.state = 'chunk-size';
      else {
        this.state = 'until-close';
        this.reusable = false;
      }
      // A length beside a transfer coding is ignored, and the connection not trusted again.
      if (this.headers['content-length'] !== undefined) this.reusable = false;
      return;
    }
    const cl = this.headers['content-length'];
    if (cl !== undefined) {
      const values = new Set(cl.split(',').map((v) => v.trim()));
      const [only] = values;
      if (values.size !== 1 || !/^\d{1,15}$/.test(only!)) throw new ProtocolError(`invalid Content-Length ${JSON.stringify(cl.slice(0, 40))}`);
      this.remaining = Number(only);
      if (this.remaining > this.maxBytes) throw new ResponseTooLargeError(`response exceeds ${this.maxBytes} bytes`);
      this.state = this.remaining === 0 ? 'done' : 'length';
      return;
    }
    this.state = 'until-close';
    this.reusable = false;
  }
}

interface Exchange {
  parser: ResponseParser;
  resolve: (res: Http1Response) => void;
  reject: (err: unknown) => void;
}

/** One connection; carries one exchange at a time. */
class Connection {
  exchange: Exchange | null = null;
  idleSince = 0;
  closed = false;

  constructor(
    readonly socket: net.Socket,
    private readonly onGone: (c: Connection) => void,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (data: Buffer) => this.onData(data));
    socket.on('error', (err: Error) => this.fail(err));
    socket.on('end', () => this.onEnd());
    socket.on('close', () => this.onEnd());
  }

  send(bytes: Buffer, exchange: Exchange): void {
    this.exchange = exchange;
    this.socket.write(bytes);
  }

  destroy(err?: Error): void {
    if (!this.closed) {
      this.closed = true;
      this.socket.destroy();
      this.onGone(this);
    }
    if (err) this.fail(err);
  }

  private onData(data: Buffer): void {
    const ex = this.exchange;
    if (!ex) {
      // Nothing was asked: a server talking out of turn is not trusted with the next request.
      this.destroy();
      return;
    }
    try {
      ex.parser.feed(data);
    } catch (err) {
      this.destroy(err instanceof Error ? err : new ProtocolError(String(err)));
      return;
    }
    if (ex.parser.done) this.finish(ex);
  }

  private onEnd(): void {
    const ex = this.exchange;
    if (ex) {
      try {
        ex.parser.end();
        this.finish(ex);
      } catch (err) {
        this.exchange = null;
        ex.reject(err);
      }
    }
    this.destroy();
  }

  private fail(err: Error): void {
    const ex = this.exchange;
    this.exchange = null;
    if (!this.closed) this.destroy();
    ex?.reject(err);
  }

  private finish(ex: Exchange): void {
    this.exchange = null;
    const p = ex.parser;
    if (!p.reusable || p.leftover > 0) this.destroy();
    ex.resolve({status: p.status, headers: p.headers, body: p.body});
  }
}

interface Waiter {
  go: (c: Connection | null) => void;
}

interface Slot {
  idle: Connection[];
  open: number;
  waiting: Waiter[];
}

export class Http1Pool {
  private readonly slots = new Map<string, Slot>();
  private readonly maxSockets: number;
  private readonly maxIdle: number;
  private readonly idleMs: number;
  private sweeper: NodeJS.Timeout | null = null;
  private retired = false;

  constructor(options: Http1PoolOptions = {}) {
    this.maxSockets = options.maxSockets ?? 128;
    this.maxIdle = options.maxIdle ?? 128;
    this.idleMs = options.idleMs ?? 4000;
  }

  request(req: Http1Request): Promise<Http1Response> {
    let head: string;
    try {
      head = requestHead(req);
    } catch (err) {
      return Promise.reject(err);
    }
    const bytes = req.body && req.body.length ? Buffer.concat([Buffer.from(head, 'latin1'), req.body]) : Buffer.from(head, 'latin1');
    const key = poolKey(req.url, req.address);
    return new Promise<Http1Response>((resolve, reject) => {
      const {signal} = req;
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      let conn: Connection | null = null;
      let waiter: Waiter | null = null;
      let settled = false;
      const settle = (): boolean => {
        if (settled) return false;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        return true;
      };
      const onAbort = (): void => {
        if (!settle()) return;
        if (waiter) this.unwait(key, waiter);
        // The response is abandoned midway: the connection cannot be trusted with another.
        conn?.destroy();
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, {once: true});
      const exchange: Exchange = {
        parser: new ResponseParser(req.method === 'HEAD', req.maxBytes),
        resolve: (res) => {
          if (conn) this.release(key, conn);
          if (settle()) resolve(res);
        },
        reject: (err) => {
          if (settle()) reject(err);
        },
      };
      const start = (c: Connection | null): void => {
        waiter = null;
        if (settled) {
          if (c) this.release(key, c);
          return;
        }
        try {
          conn = c ?? this.connect(key, req.url, req.address);
        } catch (err) {
          this.gone(key);
          exchange.reject(err);
          return;
        }
        conn.send(bytes, exchange);
      };
      const ready = this.acquire(key);
      if (ready !== undefined) start(ready);
      else {
        waiter = {go: start};
        this.slot(key).waiting.push(waiter);
      }
    });
  }

  /** Closes idle connections now and the others once their exchange is over; no new requests. */
  retire(): void {
    this.retired = true;
    for (const s of this.slots.values()) for (const c of s.idle.splice(0)) c.destroy();
    this.stopSweeping();
  }

  /** Closes every connection, in use or not. */
  close(): void {
    this.retire();
    for (const s of this.slots.values()) for (const w of s.waiting.splice(0)) w.go(null);
  }

  /** Idle connections (for tests and diagnostics). */
  get idle(): number {
    let n = 0;
    for (const s of this.slots.values()) n += s.idle.length;
    return n;
  }

  private slot(key: string): Slot {
    let s = this.slots.get(key);
    if (!s) this.slots.set(key, (s = {idle: [], open: 0, waiting: []}));
    return s;
  }

  /** An idle connection, null to open a new one, or undefined to wait. */
  private acquire(key: string): Connection | null | undefined {
    const s = this.slot(key);
    while (s.idle.length) {
      const c = s.idle.pop()!;
      if (!c.closed) return c;
    }
    if (s.open >= this.maxSockets) return undefined;
    s.open++;
    return null;
  }

  private connect(key: string, url: URL, address: ResolvedAddress): Connection {
    const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const socket =
      url.protocol === 'https:'
        ? tls.connect({host: address.address, port, servername: net.isIP(host) ? undefined : host, ALPNProtocols: ['http/1.1']})
        : net.connect({host: address.address, port, family: address.family});
    return new Connection(socket, () => this.gone(key));
  }

  private gone(key: string): void {
    const s = this.slot(key);
    s.open--;
    // A freed slot lets the next waiting request open a connection of its own.
    if (s.waiting.length && s.open < this.maxSockets) {
      s.open++;
      s.waiting.shift()!.go(null);
    }
    this.forgetIfEmpty(key, s);
  }

  private release(key: string, c: Connection): void {
    if (c.closed) return;
    const s = this.slot(key);
    const next = s.waiting.shift();
    if (next) {
      next.go(c);
      return;
    }
    if (this.retired || s.idle.length >= this.maxIdle) {
      c.destroy();
      return;
    }
    c.idleSince = Date.now();
    s.idle.push(c);
    this.startSweeping();
  }

  private unwait(key: string, w: Waiter): void {
    const s = this.slot(key);
    const i = s.waiting.indexOf(w);
    if (i >= 0) s.waiting.splice(i, 1);
    this.forgetIfEmpty(key, s);
  }

  private forgetIfEmpty(key: string, s: Slot): void {
    if (s.open === 0 && s.idle.length === 0 && s.waiting.length === 0) this.slots.delete(key);
  }

  private startSweeping(): void {
    if (this.sweeper) return;
    this.sweeper = setInterval(() => this.sweep(), Math.max(250, Math.floor(this.idleMs / 4)));
    this.sweeper.unref();
  }

  private stopSweeping(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
  }

  private sweep(): void {
    const oldest = Date.now() - this.idleMs;
    let left = 0;
    for (const s of this.slots.values()) {
      for (const c of s.idle.filter((x) => x.idleSince <= oldest || x.closed)) {
        s.idle.splice(s.idle.indexOf(c), 1);
        c.destroy();
      }
      left += s.idle.length;
    }
    if (left === 0) this.stopSweeping();
  }
}

function poolKey(url: URL, address: ResolvedAddress): string {
  const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
  const ip = address.family === 6 ? `[${address.address}]` : address.address;
  return url.protocol === 'https:' ? `https://${ip}:${port}#${url.hostname}` : `http://${ip}:${port}`;
}
