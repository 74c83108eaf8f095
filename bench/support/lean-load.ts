// A closed-loop HTTP/1.1 load generator that costs its machine little, in the
// manner of wrk: `concurrency` workers, each with its own keep-alive TCP
// connection, send one request at a time (no pipelining) from bytes built once,
// and read each answer just far enough to know its status and where it ends
// (Content-Length or chunked). On a machine whose cores the server under test
// shares, every microsecond the client spends is one the server does not get.

import net from 'node:net';
import {loadResult, type LoadOptions, type LoadResult} from './load.js';

const CRLF2 = Buffer.from('\r\n\r\n');

/** How far one response has been read. */
interface Reading {
  status: number;
  /** Bytes of body still to come (Content-Length), or -1 while chunked. */
  remaining: number;
  chunked: boolean;
  close: boolean;
  body: Buffer[];
}

/** Parses a response head; null if it is malformed. */
function parseHead(head: string): Reading | null {
  const lines = head.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
  if (!m) return null;
  const r: Reading = {status: Number(m[1]), remaining: 0, chunked: false, close: lines[0]!.startsWith('HTTP/1.0'), body: []};
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'content-length') r.remaining = Number(value);
    else if (name === 'transfer-encoding') r.chunked = value.toLowerCase().includes('chunked');
    else if (name === 'connection') r.close = value.toLowerCase() === 'close';
  }
  // These never have a body, whatever their headers say.
  if (r.status === 204 || r.status === 304 || r.status < 200) return {...r, chunked: false, remaining: 0};
  if (r.chunked) r.remaining = -1;
  else if (!Number.isSafeInteger(r.remaining) || r.remaining < 0) return null;
  return r;
}

/**
 * One connection's reader: feed() takes what the socket delivered and returns
 * the finished response, or null while one is still being read. Anything after
 * a response's end is an error (we never pipeline).
 */
export class ResponseReader {
  private pending: Buffer = Buffer.alloc(0);
  private reading: Reading | null = null;

  feed(chunk: Buffer): Reading | null {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (!this.reading) {
      const end = this.pending.indexOf(CRLF2);
      if (end < 0) {
        if (this.pending.length > 64 * 1024) throw new Error('response head over 64 KiB');
        return null;
      }
      const head = parseHead(this.pending.toString('latin1', 0, end));
      if (!head) throw new Error(`malformed response head: ${JSON.stringify(this.pending.toString('latin1', 0, Math.min(end, 200)))}`);
      this.pending = this.pending.subarray(end + 4);
      // An interim (1xx) response precedes the real one.
      if (head.status >= 200) this.reading = head;
    }
    const r = this.reading;
    if (!r.chunked) {
      if (this.pending.length < r.remaining) return null;
      if (this.pending.length > r.remaining) throw new Error('bytes after the response (the server answered more than once)');
      r.body.push(this.pending);
      return this.finish();
    }
    // Chunked: size line, data, CRLF, until the zero-size chunk and its (empty) trailer.
    for (;;) {
      const eol = this.pending.indexOf('\r\n');
      if (eol < 0) return null;
      const size = parseInt(this.pending.toString('latin1', 0, eol), 16);
      if (!Number.isFinite(size) || size < 0) throw new Error('malformed chunk size');
      if (size === 0) {
        // The size line's CRLF, any trailer fields, and the empty line that ends them.
        if (this.pending.indexOf(CRLF2, eol) < 0) return null;
        return this.finish();
      }
      if (this.pending.length < eol + 2 + size + 2) return null;
      r.body.push(this.pending.subarray(eol + 2, eol + 2 + size));
      this.pending = this.pending.subarray(eol + 2 + size + 2);
    }
  }

  private finish(): Reading {
    const r = this.reading!;
    this.reading = null;
    this.pending = Buffer.alloc(0);
    return r;
  }
}

function requestBytes(o: LoadOptions, url: URL, body: Buffer): Buffer {
  const headers: Record<string, string> = {Host: url.host, Connection: 'keep-alive', ...(o.headers ?? {}), 'Content-Length': String(body.length)};
  const head = `${o.method ?? 'POST'} ${url.pathname}${url.search} HTTP/1.1\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

export async function runLeanLoad(o: LoadOptions): Promise<LoadResult> {
  const url = new URL(o.url);
  if (url.protocol !== 'http:') throw new Error(`only http: URLs: ${o.url}`);
  const port = Number(url.port || 80);
  const expect = o.expect ?? 200;
  const timeoutMs = o.timeoutMs ?? 30_000;
  const fixed = typeof o.body === 'function' ? null : requestBytes(o, url, o.body);
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  let firstError = '';
  const fail = (message: string): void => {
    errors++;
    firstError ||= message;
  };

  const worker = async (): Promise<void> => {
    let socket: net.Socket | null = null;
    let reader = new ResponseReader();
    let done: ((r: Reading | Error) => void) | null = null;
    const connect = (): Promise<net.Socket> =>
      new Promise((resolve, reject) => {
        const s = net.connect({host: url.hostname, port, noDelay: true});
        reader = new ResponseReader();
        s.once('connect', () => resolve(s));
        s.once('error', reject);
        s.on('data', (chunk: Buffer) => {
          if (!done) return;
          let r: Reading | null;
          try {
            r = reader.feed(chunk);
          } catch (err) {
            done(err as Error);
            return;
          }
          if (r) done(r);
        });
        s.on('close', () => {
          // A connection given up on (Connection: close, an error) may close once the next one is in use.
          if (socket !== s) return;
          socket = null;
          done?.(new Error('connection closed before the response ended'));
        });
        s.on('error', () => undefined);
      });
    try {
      for (let i = next++; i < o.requests; i = next++) {
        const bytes = fixed ?? requestBytes(o, url, (o.body as (i: number) => Buffer)(i));
        const started = performance.now();
        try {
          socket ??= await connect();
          const s: net.Socket = socket;
          const r = await new Promise<Reading | Error>((resolve) => {
            const timer = setTimeout(() => done?.(new Error('timed out')), timeoutMs);
            done = (x) => {
              clearTimeout(timer);
              done = null;
              resolve(x);
            };
            s.write(bytes);
          });
          if (r instanceof Error) {
            fail(r.message);
            socket?.destroy();
            socket = null;
            continue;
          }
          latencies.push(performance.now() - started);
          if (r.status !== expect) fail(`${r.status}: ${Buffer.concat(r.body).toString('utf8').slice(0, 300)}`);
          if (r.close) {
            socket?.destroy();
            socket = null;
          }
        } catch (err) {
          fail(err instanceof Error ? err.message : String(err));
          socket = null;
        }
      }
    } finally {
      (socket as net.Socket | null)?.destroy();
    }
  };

  const t0 = performance.now();
  await Promise.all(Array.from({length: o.concurrency}, worker));
  const seconds = (performance.now() - t0) / 1000;
  return loadResult(o.requests, seconds, latencies, errors, firstError);
}
