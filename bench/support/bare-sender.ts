// The baseline of the `outgoing` benchmark: a bare node:http client in its own
// process POSTing a payload to the receiver, keep-alive, at a given concurrency:
// what delivering to that receiver costs on this machine without any queue,
// store or plugin around it.

import {runLoad} from './load.js';
import {serveIpc} from './proc.js';

export interface SendArgs {
  url: string;
  /** The payload, base64. */
  body: string;
  concurrency: number;
  requests: number;
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
  },
);
