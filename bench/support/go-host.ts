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

export class GoHost {
  /** Commands waiting for their answer, by tag. */
  private readonly waiting = new Map<number, (answer: string) => void>();
  private nextTag = 1;
  private stderr = '';

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    private readonly token: string,
    readonly teamId: string,
    readonly channelId: string,
    readonly pluginPid: number,
  ) {
    createInterface({input: child.stdout!}).on('line', (line) => {
      const space = line.indexOf(' ');
      const tag = Number(line.slice(0, space));
      const resolve = this.waiting.get(tag);
      if (space < 0 || !resolve) return;
      this.waiting.delete(tag);
      resolve(line.slice(space + 1));
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
    let stderr = '';
    const onErr = (c: Buffer): void => {
      stderr = (stderr + c.toString()).slice(-KEEP_STDERR);
    };
    child.stderr!.on('data', onErr);
    return new Promise((resolve, reject) => {
      const lines = createInterface({input: child.stdout!});
      let out = '';
      const fail = (why: string): void => {
        clearTimeout(timer);
        lines.close();
        child.kill('SIGKILL');
        reject(new Error(`the Go host did not start: ${why}\n${out}${stderr}`));
      };
      const timer = setTimeout(() => fail(`no SERVING line within ${timeoutMs} ms`), timeoutMs);
      child.once('exit', (code) => fail(`it exited (${code})`));
      lines.on('line', (line) => {
        out += line + '\n';
        const m = /^SERVING (\S+) (\S+) (\S+) (\S+) (\d+)$/.exec(line);
        if (!m) return;
        clearTimeout(timer);
        child.removeAllListeners('exit');
        lines.close();
        const host = new GoHost(child, m[1]!, m[2]!, m[3]!, m[4]!, Number(m[5]));
        child.stderr!.off('data', onErr);
        host.stderr = stderr;
        child.stderr!.on('data', (c: Buffer) => (host.stderr = (host.stderr + c.toString()).slice(-KEEP_STDERR)));
        resolve(host);
      });
    });
  }

  private command(line: string): Promise<string> {
    return new Promise((resolve, reject) => {
      if (this.child.exitCode !== null || !this.child.stdin!.writable) return reject(new Error(`the Go host has exited:\n${this.stderr}`));
      const tag = this.nextTag++;
      this.waiting.set(tag, resolve);
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
