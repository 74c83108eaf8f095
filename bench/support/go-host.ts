// The plugin under a Go host that does what Mattermost's server does for a
// plugin: the conformance harness's `host --scenario serve`
// (test/conformance/…/cmd/host/serve.go), built on hashicorp/go-plugin, Go's
// net/rpc and encoding/gob, with net/http in front routing /plugins/<id>/… to
// ServeHTTP through MuxBroker streams and running MessageHasBeenPosted after
// each post, as the server's App.CreatePost does.

import {spawn, type ChildProcess} from 'node:child_process';
import {createInterface} from 'node:readline';
import {goBinary} from '../../test/conformance/support.js';
import {settle} from './proc.js';
import {request} from './sandbox.js';

const KEEP_STDERR = 4096;

/** The last few KB a child wrote to stderr, for error messages. */
class StderrTail {
  text = '';
  constructor(child: ChildProcess) {
    child.stderr!.on('data', (c: Buffer) => (this.text = (this.text + c.toString()).slice(-KEEP_STDERR)));
  }
}

interface Waiting {
  resolve: (answer: string) => void;
  reject: (err: Error) => void;
}

export class GoHost {
  /** Commands waiting for their answer, by tag. */
  private readonly waiting = new Map<number, Waiting>();
  private nextTag = 1;

  private constructor(
    private readonly child: ChildProcess,
    private readonly stderr: StderrTail,
    readonly url: string,
    private readonly token: string,
    readonly teamId: string,
    readonly channelId: string,
    readonly pluginPid: number,
  ) {
    createInterface({input: child.stdout!}).on('line', (line) => {
      const space = line.indexOf(' ');
      const tag = Number(line.slice(0, space));
      const w = this.waiting.get(tag);
      if (space < 0 || !w) return;
      this.waiting.delete(tag);
      w.resolve(line.slice(space + 1));
    });
    child.once('exit', (code) => {
      const err = new Error(`the Go host has exited (${code}):\n${this.stderr.text}`);
      for (const w of this.waiting.values()) w.reject(err);
      this.waiting.clear();
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  /**
   * Starts the host with the plugin executable and waits until the plugin is
   * active and the front serves. `config` is the plugin's settings
   * (LoadPluginConfiguration).
   */
  static start(pluginExe: string, config: Record<string, unknown> = {}, timeoutMs = 60_000): Promise<GoHost> {
    const child = spawn(goBinary('host'), ['--plugin', pluginExe, '--scenario', 'serve', '--config-json', JSON.stringify(config), '--timeout', '4h'], {stdio: ['pipe', 'pipe', 'pipe']});
    const stderr = new StderrTail(child);
    return new Promise((resolve, reject) => {
      const lines = createInterface({input: child.stdout!});
      let out = '';
      const onExit = (code: number | null): void => fail(`it exited (${code})`);
      const fail = (why: string): void => {
        clearTimeout(timer);
        lines.close();
        child.kill('SIGKILL');
        reject(new Error(`the Go host did not start: ${why}\n${out}${stderr.text}`));
      };
      const timer = setTimeout(() => fail(`no SERVING line within ${timeoutMs} ms`), timeoutMs);
      child.once('exit', onExit);
      lines.on('line', (line) => {
        out += line + '\n';
        const m = /^SERVING (\S+) (\S+) (\S+) (\S+) (\d+)$/.exec(line);
        if (!m) return;
        clearTimeout(timer);
        child.off('exit', onExit);
        // Nothing follows SERVING until a command is sent, so the next reader misses nothing.
        lines.close();
        resolve(new GoHost(child, stderr, m[1]!, m[2]!, m[3]!, m[4]!, Number(m[5])));
      });
    });
  }

  private command(line: string): Promise<string> {
    return new Promise((resolve, reject) => {
      if (this.child.exitCode !== null || !this.child.stdin!.writable) return reject(new Error(`the Go host has exited:\n${this.stderr.text}`));
      const tag = this.nextTag++;
      this.waiting.set(tag, {resolve, reject});
      this.child.stdin!.write(`${tag} ${line}\n`);
    });
  }

  /**
   * Alice posts `text` in town square, stored as the server stores a client's
   * post; resolves with the post's id once MessageHasBeenPosted has returned.
   */
  async post(text: string): Promise<string> {
    if (text.includes('\n')) throw new Error('one line of text only');
    const answer = await this.command(`post ${text}`);
    if (answer.startsWith('error: ')) throw new Error(`post: ${answer.slice(7)}`);
    return answer;
  }

  /** Forgets the posts created so far (the store would otherwise grow run after run). */
  async clearPosts(): Promise<void> {
    const answer = await this.command('clear');
    if (answer !== 'ok') throw new Error(`clear: ${answer}`);
  }

  /** API calls the plugin made so far, by method. */
  async calls(): Promise<Record<string, number>> {
    return JSON.parse(await this.command('stats')) as Record<string, number>;
  }

  /** A call to the plugin's REST API as the admin; throws unless the status is `expect`. */
  async api<T>(path: string, body: unknown, expect = 201): Promise<T> {
    const r = await request(`${this.url}/plugins/hookbridge/api/v1${path}`, {
      method: 'POST',
      headers: {Authorization: `Bearer ${this.token}`, 'Content-Type': 'application/json'},
      body: JSON.stringify(body),
    });
    if (r.status !== expect) throw new Error(`POST ${path} under the Go host: ${r.status} ${r.body}`);
    return JSON.parse(r.body) as T;
  }

  /** Creates an incoming webhook in town square; returns its URL. */
  async createIncomingHook(): Promise<string> {
    const {id} = await this.api<{id: string}>('/hooks/incoming', {channel_id: this.channelId, display_name: 'bench'});
    return `${this.url}/plugins/hookbridge/hooks/${id}`;
  }

  /** Waits until the host and the plugin are idle (see proc.ts settle); resolves with the wait in ms. */
  settle(maxMs = 8000, quietMs = 1200): Promise<number> {
    return settle([this.pid, this.pluginPid], maxMs, quietMs);
  }

  /** Deactivates and stops the plugin, then the host. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.stdin!.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
}
