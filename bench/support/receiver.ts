// The receiving end of outgoing webhooks: a loopback HTTP/1.1 server that
// counts deliveries and, from the creation time each post's text carries
// ("<trigger> <process.hrtime.bigint()> …": the machine's monotonic clock, the
// same in every process), records post-to-receipt latency.
//
// It shares the machine's two cores with the plugin and the host, and a post
// firing 100 hooks sends it 100 requests at once, so what it spends per request
// is added to the tail it measures. It reads requests with the lean reader of
// the benchmarks' load client and answers each with bytes made once, instead
// of going through node:http's server (40–90 µs of CPU per request).

import net from 'node:net';
import type {AddressInfo} from 'node:net';
import {HttpReader} from './http-reader.js';

/** A post's text that carries its creation time, as the receiver reads it back. */
export function stampedMessage(trigger: string): string {
  return `${trigger} ${process.hrtime.bigint()} rest of the message`;
}

// An empty answer: no reply post.
const OK = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n', 'latin1');
const BAD = Buffer.from('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n', 'latin1');
// Idle keep-alive connections are closed after this, as node:http's server does.
const KEEP_ALIVE_MS = 5000;
const NOTHING = Buffer.alloc(0);

/** The post-to-receipt latency in ms a payload's text gives, or NaN. */
function latencyOf(body: Buffer, clock: bigint): number {
  try {
    const text = (JSON.parse(body.toString()) as {text?: unknown}).text;
    if (typeof text !== 'string') return NaN;
    return Number(clock - BigInt(text.split(' ')[1] ?? '')) / 1e6;
  } catch {
    // not a JSON payload, or no time in it
    return NaN;
  }
}

export class Receiver {
  count = 0;
  /** Post-to-receipt latencies in ms, in arrival order. */
  readonly latencies: number[] = [];
  lastAt = 0;
  /** Requests whose payload carried no creation time. */
  bad = 0;
  /** Connections closed for a request that could not be read. */
  malformed = 0;
  /** The last payload received. */
  lastBody: Buffer = Buffer.alloc(0);
  private waiters: {target: number; resolve: () => void}[] = [];
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  url = '';

  async start(): Promise<string> {
    this.server = net.createServer({noDelay: true}, (socket) => this.serve(socket));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  private serve(socket: net.Socket): void {
    this.sockets.add(socket);
    const reader = new HttpReader('request');
    socket.setTimeout(KEEP_ALIVE_MS, () => socket.destroy());
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      try {
        for (let m = reader.feed(chunk); m; m = reader.feed(NOTHING)) {
          const clock = process.hrtime.bigint();
          const body = m.body.length === 1 ? m.body[0]! : Buffer.concat(m.body);
          this.received(body, latencyOf(body, clock));
          if (m.close) {
            socket.end(OK);
            return;
          }
          socket.write(OK);
        }
      } catch {
        this.malformed++;
        socket.end(BAD);
      }
    });
  }

  private received(body: Buffer, latency: number): void {
    this.lastBody = body;
    if (Number.isFinite(latency)) this.latencies.push(latency);
    else this.bad++;
    this.count++;
    this.lastAt = performance.now();
    if (this.waiters.length) {
      const ready = this.waiters.filter((w) => this.count >= w.target);
      this.waiters = this.waiters.filter((w) => this.count < w.target);
      for (const w of ready) w.resolve();
    }
  }

  reset(): void {
    this.count = 0;
    this.bad = 0;
    this.malformed = 0;
    this.latencies.length = 0;
  }

  /** Resolves true once `target` deliveries arrived, false after `timeoutMs`. */
  waitFor(target: number, timeoutMs: number): Promise<boolean> {
    if (this.count >= target) return Promise.resolve(true);
    return new Promise((resolve) => {
      const w = {target, resolve: () => (clearTimeout(timer), resolve(true))};
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        resolve(false);
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = null;
  }
}
