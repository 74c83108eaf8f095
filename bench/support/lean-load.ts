// A closed-loop HTTP/1.1 load generator that costs its machine little, in the
// manner of wrk: `concurrency` workers, each with its own keep-alive TCP
// connection, send one request at a time (no pipelining) from bytes built once,
// and read each answer just far enough to know its status and where it ends
// (Content-Length or chunked). On a machine whose cores the server under test
// shares, every microsecond the client spends is one the server does not get.

import net from 'node:net';
import {HttpReader, type HttpMessage} from './http-reader.js';
import {loadResult, type LoadOptions, type LoadResult} from './load.js';

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
    let reader = new HttpReader('response');
    let done: ((r: HttpMessage | Error) => void) | null = null;
    const connect = (): Promise<net.Socket> =>
      new Promise((resolve, reject) => {
        const s = net.connect({host: url.hostname, port, noDelay: true});
        reader = new HttpReader('response');
        s.once('connect', () => resolve(s));
        s.once('error', reject);
        s.on('data', (chunk: Buffer) => {
          if (!done) return;
          let r: HttpMessage | null;
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
          const r = await new Promise<HttpMessage | Error>((resolve) => {
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
