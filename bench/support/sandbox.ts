// The Mattermost side of the end-to-end benchmarks: the sandbox host in a child
// process (support/sandbox-host.ts) running the plugin executable built from
// server/main.ts, plus the REST calls the benchmarks make to it.

import {spawnSync} from 'node:child_process';
import {chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import http from 'node:http';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {PLUGIN_NODE_FLAGS} from '../../build/node-flags.mjs';
import {Child, repoRoot, settle} from './proc.js';
import type {LoadHooksArgs} from './sandbox-host.js';

let built: string | null = null;

/**
 * Builds the plugin executable once per run, as `make sandbox` does
 * (build/build-server.mjs, then a launcher that execs node). With
 * HOOKBRIDGE_BENCH_PROFILE=<dir> the plugin runs under --cpu-prof.
 */
export function pluginExecutable(): string {
  if (built) return built;
  const dir = join(repoRoot, '.cache', 'bench');
  mkdirSync(dir, {recursive: true});
  const js = join(dir, 'plugin.cjs');
  const r = spawnSync(process.execPath, [join(repoRoot, 'build', 'build-server.mjs'), '--entry', 'server/main.ts', '--out', js], {cwd: repoRoot, encoding: 'utf8'});
  if (r.status !== 0) throw new Error(`building the plugin failed:\n${r.stdout}${r.stderr}`);
  const profile = process.env.HOOKBRIDGE_BENCH_PROFILE;
  const flags = ` ${PLUGIN_NODE_FLAGS.join(' ')}` + (profile ? ` --cpu-prof --cpu-prof-dir="${profile}"` : '');
  const exe = join(dir, 'plugin');
  writeFileSync(exe, `#!/bin/sh\nexec "${process.execPath}"${flags} "${js}" "$@"\n`);
  chmodSync(exe, 0o755);
  return (built = exe);
}

export interface SandboxInfo {
  url: string;
  adminId: string;
  aliceId: string;
  teamId: string;
  townId: string;
  pid: number;
}

export interface HttpResult {
  status: number;
  body: string;
}

/**
 * A plain node:http request (fetch would add its own overhead to the figures).
 * Without an agent it gets a connection of its own, so an idle keep-alive
 * connection the server is just closing is never reused.
 */
export function request(url: string, init: {method?: string; headers?: Record<string, string>; body?: string | Buffer; timeoutMs?: number; agent?: http.Agent} = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const body = init.body === undefined ? undefined : Buffer.isBuffer(init.body) ? init.body : Buffer.from(init.body);
    const req = http.request(url, {method: init.method ?? 'GET', agent: init.agent ?? false, headers: {...(body ? {'Content-Length': String(body.length)} : {}), ...(init.headers ?? {})}, timeout: init.timeoutMs ?? 30_000}, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString()}));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${init.method ?? 'GET'} ${url} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

export class BenchSandbox {
  private constructor(
    readonly child: Child,
    readonly info: SandboxInfo,
    private readonly dataDir: string,
  ) {}

  static async start(): Promise<BenchSandbox> {
    const exe = pluginExecutable();
    const dataDir = mkdtempSync(join(tmpdir(), 'hb-bench-'));
    const profile = process.env.HOOKBRIDGE_BENCH_PROFILE;
    try {
      const child = await Child.start('bench/support/sandbox-host.ts', {
        env: {BENCH_PLUGIN: exe, BENCH_DATA: dataDir},
        ...(profile ? {nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profile}`]} : {}),
      });
      const sbx = new BenchSandbox(child, child.info as unknown as SandboxInfo, dataDir);
      await sbx.waitRunning();
      return sbx;
    } catch (err) {
      rmSync(dataDir, {recursive: true, force: true});
      throw err;
    }
  }

  get url(): string {
    return this.info.url;
  }

  /** REST as a user (Authorization: Bearer <username>); throws unless the status is 2xx. */
  async json<T>(path: string, init: {method?: string; body?: unknown; as?: string} = {}): Promise<T> {
    const r = await request(this.url + path, {
      method: init.method ?? 'GET',
      headers: {Authorization: `Bearer ${init.as ?? 'admin'}`, ...(init.body !== undefined ? {'Content-Type': 'application/json'} : {})},
      ...(init.body !== undefined ? {body: JSON.stringify(init.body)} : {}),
      timeoutMs: 600_000,
    });
    if (r.status < 200 || r.status > 299) throw new Error(`${init.method ?? 'GET'} ${path} → ${r.status}: ${r.body}`);
    return (r.body ? JSON.parse(r.body) : undefined) as T;
  }

  async status(): Promise<{state: number; pid: number | null; error: string}> {
    const [s] = await this.json<{state: number; pid: number | null; error: string}[]>('/api/v4/plugins/statuses');
    return s!;
  }

  /** Waits until the plugin runs (state 2). */
  async waitRunning(timeoutMs = 60_000): Promise<void> {
    await this.until(() => this.status(), (s) => s.state === 2, 50, timeoutMs, (s) => `the plugin did not start: ${s?.error ?? 'no status'}`);
  }

  /** Asks `probe` every `intervalMs` until `done` holds of its answer (a failed probe is asked again), or throws `failure` of the last answer. */
  private async until<T>(probe: () => Promise<T>, done: (answer: T) => boolean, intervalMs: number, timeoutMs: number, failure: (last: T | null) => string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const answer = await probe().catch(() => null);
      if (answer !== null && answer !== undefined && done(answer)) return;
      if (Date.now() > deadline) throw new Error(`${failure(answer)}\n${this.child.output()}`);
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }

  async pluginPid(): Promise<number> {
    const pid = await this.child.call<number | null>('pluginPid');
    if (!pid) throw new Error('the plugin is not running');
    return pid;
  }

  /**
   * Waits until the host and the plugin have been idle (together under 5% of a
   * core in every 200 ms window) for `quietMs`, for at most maxMs: work left over
   * from an earlier load, such as the delivery log written behind, is load too.
   * The quiet span is longer than the plugin's slowest background cadence (the
   * log and the queue wake once a second), so a write still due shows up in it.
   * Resolves with the wait in ms.
   */
  async settle(maxMs = 8000, quietMs = 1200): Promise<number> {
    return settle([this.info.pid, await this.pluginPid()], maxMs, quietMs);
  }

  /** yamux streams open between the host and the plugin. */
  streams(): Promise<number> {
    return this.child.call('streams');
  }

  /**
   * POST /api/v4/plugins/hookbridge/restart: OnDeactivate, a new process,
   * OnActivate. Resolves once the plugin runs and has read every stored
   * outgoing hook (which it does after activation), with the time to each in
   * ms from the request.
   */
  async restartPlugin(): Promise<{activeMs: number; loadedMs: number}> {
    const t0 = performance.now();
    await this.json('/api/v4/plugins/hookbridge/restart', {method: 'POST'});
    await this.waitRunning();
    const activeMs = performance.now() - t0;
    await this.waitIndexLoaded();
    return {activeMs, loadedMs: performance.now() - t0};
  }

  /** Waits until the plugin's trigger index holds every stored outgoing hook (GET /api/v1/status). */
  async waitIndexLoaded(timeoutMs = 120_000): Promise<void> {
    await this.until(
      () => this.json<{outgoing_index: {loaded: boolean}}>('/plugins/hookbridge/api/v1/status'),
      (s) => s.outgoing_index.loaded,
      20,
      timeoutMs,
      () => `the plugin did not read its outgoing hooks within ${timeoutMs} ms`,
    );
  }

  /** Plugin settings, through the admin REST API (a save runs OnConfigurationChange). */
  configure(values: Record<string, unknown>): Promise<unknown> {
    return this.json('/api/v4/plugins/hookbridge/config', {method: 'PUT', body: values});
  }

  calls(): Promise<Record<string, number>> {
    return this.child.call('calls');
  }

  /** Bytes sent to be written to the KV store since resetCalls(), by key prefix (old values compared included). */
  kvBytes(): Promise<Record<string, number>> {
    return this.child.call('kvBytes');
  }

  /** One post stored in the host (then MessageHasBeenPosted runs in the plugin); its text is "<trigger> <creation time> …". */
  postOne(trigger: string): Promise<void> {
    return this.child.call('postOne', {trigger});
  }

  /** `count` posts from `concurrency` posters in the host, each waiting for the plugin's hook of its last post. */
  postMany(trigger: string, count: number, concurrency: number): Promise<void> {
    return this.child.call('postMany', {trigger, count, concurrency});
  }

  /** `count` posts on an open-loop schedule of `perSecond` in the host. */
  postAtRate(trigger: string, count: number, perSecond: number): Promise<void> {
    return this.child.call('postAtRate', {trigger, count, perSecond});
  }

  resetCalls(): Promise<void> {
    return this.child.call('resetCalls');
  }

  clearPosts(): Promise<void> {
    return this.child.call('clearPosts');
  }

  problems(): Promise<string[]> {
    return this.child.call('problems');
  }

  loadHooks(args: LoadHooksArgs): Promise<{count: number; kvBytes: number}> {
    return this.child.call('loadHooks', args);
  }

  /** Stops the host (OnDeactivate and Quit for the plugin), then removes its data folder. */
  async stop(): Promise<void> {
    try {
      await this.child.stop(20_000);
    } finally {
      rmSync(this.dataDir, {recursive: true, force: true});
    }
  }
}
