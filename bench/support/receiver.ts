// The receiving end of outgoing webhooks: a node:http server on 127.0.0.1 that
// counts deliveries and, from the creation time each post's text carries
// ("<trigger> <process.hrtime.bigint()> …": the machine's monotonic clock, the
// same in every process), records post-to-receipt latency.

import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';

/** A post's text that carries its creation time, as the receiver reads it back. */
export function stampedMessage(trigger: string): string {
  return `${trigger} ${process.hrtime.bigint()} rest of the message`;
}

export class Receiver {
  count = 0;
  /** Post-to-receipt latencies in ms, in arrival order. */
  readonly latencies: number[] = [];
  lastAt = 0;
  bad = 0;
  /** The last payload received. */
  lastBody: Buffer = Buffer.alloc(0);
  private waiters: {target: number; resolve: () => void}[] = [];
  private server: Server | null = null;
  url = '';

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const clock = process.hrtime.bigint();
        const now = performance.now();
        const body = Buffer.concat(chunks);
        this.lastBody = body;
        let latency = NaN;
        try {
          const text = (JSON.parse(body.toString()) as {text?: string}).text ?? '';
          latency = Number(clock - BigInt(text.split(' ')[1] ?? '')) / 1e6;
        } catch {
          // not a JSON payload, or no time in it
        }
        if (Number.isFinite(latency)) this.latencies.push(latency);
        else this.bad++;
        this.count++;
        this.lastAt = now;
        // An empty answer: no reply post.
        res.writeHead(200, {'Content-Length': '0'});
        res.end();
        if (this.waiters.length) {
          const ready = this.waiters.filter((w) => this.count >= w.target);
          this.waiters = this.waiters.filter((w) => this.count < w.target);
          for (const w of ready) w.resolve();
        }
      });
    });
    this.server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  reset(): void {
    this.count = 0;
    this.bad = 0;
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
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = null;
  }
}
