// A closed-loop HTTP load generator on node:http: `concurrency` workers, each
// sending its requests one after the other over its own keep-alive connection,
// until `requests` have been sent in all. Every request's latency is kept.

import http from 'node:http';
import {percentile} from '../harness.js';

export interface LoadOptions {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  /** The request body, or a function of the request number. */
  body: Buffer | ((i: number) => Buffer);
  concurrency: number;
  requests: number;
  /** Status a request must answer with (200). */
  expect?: number;
  timeoutMs?: number;
}

export interface LoadResult {
  requests: number;
  seconds: number;
  perSecond: number;
  /** Milliseconds, sorted. */
  latencies: number[];
  p50: number;
  p99: number;
  errors: number;
  firstError: string;
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const agent = new http.Agent({keepAlive: true, maxSockets: o.concurrency, maxFreeSockets: o.concurrency});
  const url = new URL(o.url);
  const expect = o.expect ?? 200;
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  let firstError = '';
  const one = (i: number): Promise<void> =>
    new Promise((resolve) => {
      const body = typeof o.body === 'function' ? o.body(i) : o.body;
      const started = performance.now();
      const req = http.request(
        {hostname: url.hostname, port: url.port, path: url.pathname + url.search, method: o.method ?? 'POST', agent, timeout: o.timeoutMs ?? 30_000, headers: {...(o.headers ?? {}), 'Content-Length': String(body.length)}},
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => {
            latencies.push(performance.now() - started);
            if (res.statusCode !== expect) {
              errors++;
              firstError ||= `${res.statusCode}: ${text.slice(0, 300)}`;
            }
            resolve();
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', (err) => {
        errors++;
        firstError ||= err.message;
        resolve();
      });
      req.end(body);
    });
  const t0 = performance.now();
  await Promise.all(
    Array.from({length: o.concurrency}, async () => {
      for (let i = next++; i < o.requests; i = next++) await one(i);
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  return loadResult(o.requests, seconds, latencies, errors, firstError);
}

/** A run's result from its latencies (sorted here, in place). */
export function loadResult(requests: number, seconds: number, latencies: number[], errors: number, firstError: string): LoadResult {
  latencies.sort((a, b) => a - b);
  return {requests, seconds, perSecond: requests / seconds, latencies, p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors, firstError};
}
