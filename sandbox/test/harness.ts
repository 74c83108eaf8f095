// Runs the sandbox as a child process, exactly as `make sandbox` starts it, and
// talks to it over HTTP: for end-to-end tests.

import {spawn, type ChildProcess} from 'node:child_process';
import {createServer} from 'node:net';
import {paths} from '../paths.js';

export interface RunningSandbox {
  url: string;
  child: ChildProcess;
  output: () => string;
  /** SIGTERM, then the exit code (null if it had to be killed). */
  stop: (timeoutMs?: number) => Promise<number | null>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function startSandbox(env: Record<string, string>, timeoutMs = 20_000): Promise<RunningSandbox> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'sandbox/server.ts'], {
    cwd: paths.root,
    env: {...process.env, PORT: String(port), ...env},
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the sandbox exited with ${child.exitCode}:\n${out}`);
    try {
      const r = await fetch(`${url}/api/v4/system/ping`);
      // Ready means the plugin is running too.
      if (r.ok) {
        const s = await fetch(`${url}/api/v4/plugins/statuses`, {headers: {Authorization: 'Bearer admin'}});
        const [status] = (await s.json()) as {state: number}[];
        if (status?.state === 2) break;
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the sandbox did not start within ${timeoutMs} ms:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    child,
    output: () => out,
    stop: async (ms = 15_000) => {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), ms);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A REST client acting as one user (Authorization: Bearer <username>). */
export class Client {
  constructor(
    readonly base: string,
    readonly username: string | null,
  ) {}

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return {...(this.username ? {Authorization: `Bearer ${this.username}`} : {}), ...extra};
  }

  async raw(path: string, init: {method?: string; body?: unknown; headers?: Record<string, string>} = {}): Promise<Response> {
    const body = init.body === undefined ? undefined : typeof init.body === 'string' || init.body instanceof Uint8Array ? init.body : JSON.stringify(init.body);
    return fetch(`${this.base}${path}`, {method: init.method ?? 'GET', headers: this.headers(init.headers), signal: AbortSignal.timeout(60_000), ...(body !== undefined ? {body} : {})});
  }

  async json<T>(path: string, init: {method?: string; body?: unknown; headers?: Record<string, string>} = {}, expect = 0): Promise<T> {
    const r = await this.raw(path, init);
    const text = await r.text();
    if (expect ? r.status !== expect : !r.ok) throw new Error(`${init.method ?? 'GET'} ${path} → ${r.status}: ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }
}

export interface SocketMessage {
  event: string;
  data: Record<string, unknown>;
  broadcast: Record<string, unknown>;
  seq: number;
}

/** The page's live-update stream, read with fetch. */
export class EventStream {
  readonly messages: SocketMessage[] = [];
  private readonly abort = new AbortController();
  private readonly done: Promise<void>;

  constructor(base: string, username: string) {
    this.done = (async () => {
      const res = await fetch(`${base}/api/v4/events`, {headers: {Authorization: `Bearer ${username}`}, signal: this.abort.signal});
      if (!res.ok || !res.body) throw new Error(`events: ${res.status}`);
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, {stream: true});
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block
            .split('\n')
            .filter((l) => l.startsWith('data: '))
            .map((l) => l.slice(6))
            .join('\n');
          if (data) this.messages.push(JSON.parse(data) as SocketMessage);
        }
      }
    })().catch(() => undefined);
  }

  async next(event: string, match: (m: SocketMessage) => boolean = () => true, timeoutMs = 10_000): Promise<SocketMessage> {
    return waitFor(`event ${event}`, async () => this.messages.find((m) => m.event === event && match(m)), timeoutMs);
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.done;
  }
}
