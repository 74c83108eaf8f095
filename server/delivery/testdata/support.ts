// Test helpers: a loopback receiver, an HTTP sender, a settable clock, hooks.
import {Agent, createServer, request, type IncomingMessage, type ServerResponse} from 'node:http';
import type {AddressInfo} from 'node:net';
import type {DeliveryHook, Send, SendResult} from '../types.js';

export interface Received {
  headers: Record<string, string>;
  body: Buffer;
  at: number;
}

export type Reply = {status: number; headers?: Record<string, string>; body?: string} | 'hang';

export interface Receiver {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

const open = new Set<Receiver>();

/** Closes every receiver a test left open (an assertion failed before its close). */
export async function closeReceivers(): Promise<void> {
  await Promise.all([...open].map((r) => r.close()));
}

/** An HTTP server on 127.0.0.1 that records requests and answers with `reply`. */
export async function startReceiver(reply: (req: Received, n: number) => Reply | Promise<Reply> = () => ({status: 200})): Promise<Receiver> {
  const received: Received[] = [];
  const hanging = new Set<ServerResponse>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      const r: Received = {headers, body: Buffer.concat(chunks), at: Date.now()};
      received.push(r);
      void Promise.resolve(reply(r, received.length)).then((answer) => {
        if (answer === 'hang') {
          hanging.add(res);
          return;
        }
        res.writeHead(answer.status, answer.headers ?? {});
        res.end(answer.body ?? '');
      });
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const {port} = server.address() as AddressInfo;
  const receiver: Receiver = {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: async () => {
      if (!open.delete(receiver)) return;
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  open.add(receiver);
  return receiver;
}

/** A Send over node:http with keep-alive; throws a TimeoutError after timeoutMs. */
export function httpSender(): {send: Send; close: () => void} {
  const agent = new Agent({keepAlive: true, maxSockets: 64});
  const send: Send = (req) =>
    new Promise<SendResult>((resolve, reject) => {
      const started = performance.now();
      const r = request(req.url, {method: req.method, headers: {...req.headers, 'Content-Length': String(req.body.length)}, agent}, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          clearTimeout(timer);
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
          resolve({status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks), latencyMs: performance.now() - started});
        });
        res.on('error', reject);
      });
      const timer = setTimeout(() => {
        const err = new Error(`timed out after ${req.timeoutMs} ms`);
        err.name = 'TimeoutError';
        r.destroy(err);
      }, req.timeoutMs);
      r.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      r.end(req.body);
    });
  return {send, close: () => agent.destroy()};
}

export function fakeClock(start = Date.UTC(2025, 5, 1, 12, 0, 0)): {now: () => number; advance: (ms: number) => void; set: (ms: number) => void} {
  let t = start;
  return {now: () => t, advance: (ms) => void (t += ms), set: (ms) => void (t = ms)};
}

export function makeHook(extra: Partial<DeliveryHook> = {}): DeliveryHook {
  return {id: 'hook1', creator_id: '', team_id: 'team1', display_name: 'CI notifier', max_attempts: 3, headers: {}, ...extra};
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `cond` every few milliseconds until it holds or the time is up. */
export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}
