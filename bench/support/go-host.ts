// The plugin under a Go host that does what Mattermost's server does for a
// plugin: the conformance harness's `host --scenario serve`
// (test/conformance/…/cmd/host/serve.go), built on hashicorp/go-plugin, Go's
// net/rpc and encoding/gob, with net/http in front routing /plugins/<id>/… to
// ServeHTTP through MuxBroker streams and running MessageHasBeenPosted after
// each post, as the server's App.CreatePost does.

import {spawn, type ChildProcess} from 'node:child_process';
import {createInterface} from 'node:readline';
import {goBinary} from '../../test/conformance/support.js';
import {request} from './sandbox.js';

const KEEP_STDERR = 4096;

export class GoHost {
  private readonly answers: ((line: string) => void)[] = [];
  private stderr = '';

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    private readonly token: string,
    readonly channelId: string,
    readonly pluginPid: number,
  ) {
    createInterface({input: child.stdout!}).on('line', (line) => this.answers.shift()?.(line));
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Starts the host with the plugin executable and waits until the plugin is active and the front serves. */
  static start(pluginExe: string, timeoutMs = 60_000): Promise<GoHost> {
    const child = spawn(goBinary('host'), ['--plugin', pluginExe, '--scenario', 'serve', '--timeout', '4h'], {stdio: ['pipe', 'pipe', 'pipe']});
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
        const host = new GoHost(child, m[1]!, m[2]!, m[4]!, Number(m[5]));
        child.stderr!.off('data', onErr);
        host.stderr = stderr;
        child.stderr!.on('data', (c: Buffer) => (host.stderr = (host.stderr + c.toString()).slice(-KEEP_STDERR)));
        resolve(host);
      });
    });
  }

  private command(line: string): Promise<string> {
    return new Promise((resolve, reject) => {
      if (this.child.exitCode !== null) return reject(new Error(`the Go host has exited:\n${this.stderr}`));
      this.answers.push(resolve);
      this.child.stdin!.write(line + '\n');
    });
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

  /** Creates an incoming webhook through the plugin's REST API, as the admin; returns its URL. */
  async createIncomingHook(): Promise<string> {
    const r = await request(`${this.url}/plugins/hookbridge/api/v1/hooks/incoming`, {
      method: 'POST',
      headers: {Authorization: `Bearer ${this.token}`, 'Content-Type': 'application/json'},
      body: JSON.stringify({channel_id: this.channelId, display_name: 'bench'}),
    });
    if (r.status !== 201) throw new Error(`creating an incoming hook under the Go host: ${r.status} ${r.body}`);
    const {id} = JSON.parse(r.body) as {id: string};
    return `${this.url}/plugins/hookbridge/hooks/${id}`;
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
