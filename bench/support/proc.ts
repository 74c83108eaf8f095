// Child processes of the benchmarks: started with tsx and an IPC channel, asked
// things over that channel, stopped by pid; and RSS read from /proc.

import {spawn, type ChildProcess} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface IpcRequest {
  id: number;
  cmd: string;
  args: unknown;
}

export type IpcReply = {id: number; ok: true; result: unknown} | {id: number; ok: false; error: string};

export interface ReadyMessage {
  ready: true;
  info: Record<string, unknown>;
}

/** A benchmark child: a TypeScript entry run with `node --import tsx`, driven over IPC. */
export class Child {
  private seq = 0;
  private readonly pending = new Map<number, {resolve: (v: unknown) => void; reject: (e: Error) => void}>();
  private out = '';
  private readonly exited: Promise<number | null>;

  private constructor(
    readonly proc: ChildProcess,
    readonly info: Record<string, unknown>,
  ) {
    this.exited = new Promise((resolve) => proc.once('exit', (code) => resolve(code)));
    proc.on('message', (m: unknown) => {
      const reply = m as IpcReply;
      if (typeof reply?.id !== 'number') return;
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (reply.ok) p.resolve(reply.result);
      else p.reject(new Error(reply.error));
    });
    proc.once('exit', (code) => {
      for (const p of this.pending.values()) p.reject(new Error(`child exited (${code}) before answering:\n${this.output()}`));
      this.pending.clear();
    });
  }

  get pid(): number {
    return this.proc.pid!;
  }

  output(): string {
    return this.out.slice(-4000);
  }

  /** Starts `entry` (relative to the repository) and waits for its ready message. */
  static async start(entry: string, options: {env?: Record<string, string>; nodeArgs?: string[]; timeoutMs?: number} = {}): Promise<Child> {
    const proc = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', entry], {
      cwd: repoRoot,
      env: {...process.env, ...(options.env ?? {})},
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    let out = '';
    const keep = (c: Buffer): void => {
      out = (out + c.toString()).slice(-20000);
    };
    proc.stdout!.on('data', keep);
    proc.stderr!.on('data', keep);
    const info = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => {
        proc.kill('SIGKILL');
        reject(new Error(`${entry} did not get ready in ${options.timeoutMs ?? 60_000} ms:\n${out}`));
      }, options.timeoutMs ?? 60_000);
      proc.on('message', (m: unknown) => {
        const msg = m as Partial<ReadyMessage>;
        if (msg?.ready) {
          clearTimeout(timer);
          resolve(msg.info ?? {});
        }
      });
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${entry} exited with ${code}:\n${out}`));
      });
    });
    const child = new Child(proc, info);
    proc.stdout!.off('data', keep);
    proc.stderr!.off('data', keep);
    child.out = out;
    proc.stdout!.on('data', (c: Buffer) => (child.out = (child.out + c.toString()).slice(-20000)));
    proc.stderr!.on('data', (c: Buffer) => (child.out = (child.out + c.toString()).slice(-20000)));
    return child;
  }

  call<T>(cmd: string, args: unknown = null, timeoutMs = 600_000): Promise<T> {
    const id = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`child did not answer ${cmd} in ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.proc.send({id, cmd, args} satisfies IpcRequest);
    });
  }

  /** SIGTERM to this child's pid, SIGKILL after `timeoutMs`. */
  async stop(timeoutMs = 15_000): Promise<number | null> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return this.proc.exitCode;
    process.kill(this.pid, 'SIGTERM');
    const timer = setTimeout(() => {
      if (this.proc.exitCode === null && this.proc.signalCode === null) process.kill(this.pid, 'SIGKILL');
    }, timeoutMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}

/** Child side: answers IPC requests with `handlers`, after announcing itself ready. */
export function serveIpc(info: Record<string, unknown>, handlers: Record<string, (args: unknown) => unknown>): void {
  process.on('message', (m: unknown) => {
    const req = m as IpcRequest;
    if (typeof req?.id !== 'number') return;
    const handler = handlers[req.cmd];
    void (async () => {
      try {
        if (!handler) throw new Error(`unknown command ${req.cmd}`);
        const result = await handler(req.args);
        process.send!({id: req.id, ok: true, result: result ?? null} satisfies IpcReply);
      } catch (err) {
        process.send!({id: req.id, ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err)} satisfies IpcReply);
      }
    })();
  });
  process.send!({ready: true, info} satisfies ReadyMessage);
}

/** VmRSS of a process, in bytes (0 once it is gone). */
export function rssBytes(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** CPU time (user + system) a process has used so far, in ms. */
export function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime are fields 14 and 15 of /proc/<pid>/stat, i.e. 11 and 12 after the comm.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return 0;
  }
}

/**
 * Waits until the processes have been idle (together under 5% of a core in
 * every 200 ms window) for `quietMs`, for at most `maxMs`; resolves with how
 * long that took, in ms.
 */
export async function settle(pids: readonly number[], maxMs = 8000, quietMs = 1200): Promise<number> {
  const t0 = performance.now();
  const busy = (): number => pids.reduce((a, pid) => a + cpuMs(pid), 0);
  let quietSince = performance.now();
  for (let before = busy(); performance.now() - t0 < maxMs; ) {
    await sleep(200);
    const now = busy();
    if (now - before > 10) quietSince = performance.now();
    else if (performance.now() - quietSince >= quietMs) break;
    before = now;
  }
  return performance.now() - t0;
}

export const MiB = 1024 * 1024;

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
