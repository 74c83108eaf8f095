import {spawn, type ChildProcess} from 'node:child_process';
import {existsSync} from 'node:fs';
import {createInterface} from 'node:readline';
import {fileURLToPath} from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Mattermost's supervisor gives a plugin 3 s from launch to print its handshake
 * (ClientConfig.StartTimeout) before it gives up on it: the one deadline the hosts
 * in these tests hold the executable to.
 */
export const MATTERMOST_START_TIMEOUT_MS = 3000;

/** A Go conformance program built by test/conformance/build.sh. */
export function goBinary(name: string): string {
  const path = `${repoRoot}.cache/conformance/bin/${name}`;
  if (!existsSync(path)) throw new Error(`${path} is missing: run sh test/conformance/build.sh (make test does)`);
  return path;
}

/** Line-oriented JSON request/response client for a long-running Go helper. */
export class JsonLineProcess {
  private readonly child: ChildProcess;
  private readonly waiting: ((line: string) => void)[] = [];
  private stderr = '';

  constructor(command: string, args: string[]) {
    this.child = spawn(command, args, {stdio: ['pipe', 'pipe', 'pipe']});
    createInterface({input: this.child.stdout!}).on('line', (line) => this.waiting.shift()?.(line));
    this.child.stderr!.on('data', (c: Buffer) => (this.stderr += c.toString()));
  }

  request<T>(req: object): Promise<T> {
    return new Promise((resolve, reject) => {
      this.waiting.push((line) => {
        try {
          resolve(JSON.parse(line) as T);
        } catch (err) {
          reject(new Error(`bad answer ${line}: ${String(err)}; stderr: ${this.stderr}`));
        }
      });
      this.child.stdin!.write(JSON.stringify(req) + '\n');
    });
  }

  close(): void {
    this.child.stdin!.end();
    this.child.kill();
  }
}

/** Runs a Go program to completion and collects its output. */
export function run(command: string, args: string[], options: {timeoutMs?: number; env?: NodeJS.ProcessEnv; onStdoutLine?: (line: string) => void} = {}): Promise<{code: number | null; stdout: string; stderr: string}> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env});
    let stdout = '';
    let stderr = '';
    createInterface({input: child.stdout!}).on('line', (line) => {
      stdout += line + '\n';
      options.onStdoutLine?.(line);
    });
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({code, stdout, stderr});
    });
  });
}

/** PASS/FAIL lines of a Go driver, for readable assertions. */
export function failures(stdout: string): string[] {
  return stdout.split('\n').filter((l) => l.startsWith('FAIL'));
}
