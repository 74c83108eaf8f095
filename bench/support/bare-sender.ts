// The baseline of the `outgoing` benchmark: a bare node:http client in its own
// process POSTing a payload to the receiver, keep-alive, at a given concurrency:
// what delivering to that receiver costs on this machine without any queue,
// store or plugin around it. `burst` sends what one post firing n hooks sends,
// n requests at once over n kept-alive connections, stamped with the burst's
// start the way a post's text carries its creation time, so the receiver
// measures both the same way.

import http from 'node:http';
import {runLoad} from './load.js';
import {serveIpc} from './proc.js';

export interface SendArgs {
  url: string;
  /** The payload, base64. */
  body: string;
  concurrency: number;
  requests: number;
}

export interface BurstArgs {
  url: string;
  /** The payload, base64: JSON whose `text` is "<trigger> <clock> …", like the plugin's. */
  body: string;
  /** Requests per burst (the hooks a post fires). */
  n: number;
  bursts: number;
  /** Pause between bursts, as between the plugin's posts. */
  gapMs: number;
  /** Pause between the burst that opens the connections and the first timed one (default gapMs). */
  leadMs?: number;
}

/** The payload with `clock` where the post's creation time goes (null: no time, so the receiver records no latency). */
function stamped(template: Record<string, unknown>, clock: bigint | null): Buffer {
  const words = String(template.text ?? '').split(' ');
  words[1] = clock === null ? 'warm-up' : String(clock);
  return Buffer.from(JSON.stringify({...template, text: words.join(' ')}));
}

function post(agent: http.Agent, url: URL, body: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request({hostname: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent, headers: {'Content-Type': 'application/json', 'Content-Length': String(body.length)}}, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function burst(a: BurstArgs): Promise<void> {
  const url = new URL(a.url);
  const template = JSON.parse(Buffer.from(a.body, 'base64').toString()) as Record<string, unknown>;
  const agent = new http.Agent({keepAlive: true, maxSockets: a.n, maxFreeSockets: a.n});
  try {
    // n connections opened and kept, as the plugin's pool has them after its first posts.
    await Promise.all(Array.from({length: a.n}, () => post(agent, url, stamped(template, null))));
    await new Promise((r) => setTimeout(r, a.leadMs ?? a.gapMs));
    for (let b = 0; b < a.bursts; b++) {
      const body = stamped(template, process.hrtime.bigint());
      await Promise.all(Array.from({length: a.n}, () => post(agent, url, body)));
      await new Promise((r) => setTimeout(r, a.gapMs));
    }
  } finally {
    agent.destroy();
  }
}

process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));

serveIpc(
  {pid: process.pid},
  {
    send: async (raw) => {
      const a = raw as SendArgs;
      const r = await runLoad({url: a.url, headers: {'Content-Type': 'application/json', Accept: 'application/json'}, body: Buffer.from(a.body, 'base64'), concurrency: a.concurrency, requests: a.requests});
      return {perSecond: r.perSecond, p50: r.p50, p99: r.p99, errors: r.errors, firstError: r.firstError};
    },
    burst: (raw) => burst(raw as BurstArgs),
  },
);
