// Host side of go-plugin's netrpc transport (client.go, rpc_client.go): launch
// the plugin executable, read its handshake line within the start timeout, dial
// it, run a yamux client, open the control, stdout and stderr streams, then
// Dispense plugins over the MuxBroker. Kill sends Control.Quit, waits 2 s for the
// process to exit, then SIGKILLs it — as Mattermost's supervisor does.

import {spawn, type ChildProcess} from 'node:child_process';
import {connect, type Socket} from 'node:net';
import {createInterface} from 'node:readline';
import {t} from '../gob/index.js';
import {RpcClient} from '../netrpc/index.js';
import {YamuxSession} from '../yamux/index.js';
import {MuxBroker} from './broker.js';
import {MATTERMOST_HANDSHAKE, parseHandshake, type HandshakeConfig} from './handshake.js';
import {parseHclogLine, type Level} from './log.js';

export interface LaunchOptions {
  command: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  handshake?: HandshakeConfig;
  startTimeoutMs?: number;
  /** Each line the plugin writes to stderr, parsed like go-plugin does. */
  onLog?: (entry: {level: Level | 'none'; message: string; fields: Record<string, unknown>}) => void;
  /** The process ended (any reason). */
  onExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
  keepAliveMs?: number;
}

export class PluginClient {
  private exited = false;
  private readonly exitPromise: Promise<void>;

  private constructor(
    readonly process: ChildProcess,
    readonly session: YamuxSession,
    readonly control: RpcClient,
    readonly broker: MuxBroker,
    readonly handshakeMs: number,
  ) {
    this.exitPromise = new Promise((resolve) => {
      if (process.exitCode !== null || process.signalCode !== null) {
        this.exited = true;
        resolve();
        return;
      }
      process.once('exit', () => {
        this.exited = true;
        resolve();
      });
    });
  }

  get hasExited(): boolean {
    return this.exited;
  }

  static async launch(options: LaunchOptions): Promise<PluginClient> {
    const hs = options.handshake ?? MATTERMOST_HANDSHAKE;
    const started = performance.now();
    const child = spawn(options.command, options.args ?? [], {
      cwd: options.cwd,
      env: {
        ...(options.env ?? process.env),
        [hs.magicCookieKey]: hs.magicCookieValue,
        PLUGIN_MIN_PORT: '10000',
        PLUGIN_MAX_PORT: '25000',
        PLUGIN_PROTOCOL_VERSIONS: String(hs.protocolVersion),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.on('error', () => {}); // reported through the handshake failure below
    if (options.onExit) child.once('exit', options.onExit);
    const stderr = createInterface({input: child.stderr!});
    stderr.on('line', (line) => options.onLog?.(parseHclogLine(line)));
    stderr.on('error', () => {});

    let socket: Socket;
    try {
      const line = await firstLine(child, options.startTimeoutMs ?? 3000);
      const hsLine = parseHandshake(line, [hs.protocolVersion]);
      socket = await dial(hsLine.network, hsLine.address);
    } catch (err) {
      // A plugin we cannot talk to must not outlive the attempt (no handshake, a malformed one, nothing listening).
      child.kill('SIGKILL');
      throw err;
    }
    // After the handshake the host drains stdout and discards it.
    child.stdout!.resume();
    const session = new YamuxSession(socket, {role: 'client', keepAliveMs: options.keepAliveMs ?? 30_000});
    const controlStream = session.open();
    const stdoutStream = session.open();
    const stderrStream = session.open();
    for (const s of [stdoutStream, stderrStream]) {
      createInterface({input: s})
        .on('line', (l) => options.onLog?.(parseHclogLine(l)))
        .on('error', () => {}); // readline re-emits stream errors; the session reports them
    }
    const control = new RpcClient(controlStream);
    const broker = new MuxBroker(session);
    session.on('stream', (s) => void broker.incoming(s));
    return new PluginClient(child, session, control, broker, performance.now() - started);
  }

  /** Dispenser.Dispense(name), then dial the returned broker id: an RPC client for service `Plugin`. */
  async dispense(name: string): Promise<RpcClient> {
    const id = await this.control.call('Dispenser.Dispense', name, t.string);
    return new RpcClient(await this.broker.dial(Number(id)));
  }

  async ping(): Promise<void> {
    await this.control.call('Control.Ping', true, t.bool);
  }

  /** Control.Quit, close the session, wait up to `graceMs` for exit, then SIGKILL. True if it exited on its own. */
  async kill(graceMs = 2000): Promise<boolean> {
    if (!this.exited) {
      await withTimeout(this.control.call('Control.Quit', true, t.bool), graceMs).catch(() => {});
    }
    this.session.close();
    const graceful = await withTimeout(this.exitPromise, graceMs).then(
      () => true,
      () => false,
    );
    if (!graceful) {
      this.process.kill('SIGKILL');
      await this.exitPromise;
    }
    return graceful;
  }

  waitForExit(): Promise<void> {
    return this.exitPromise;
  }
}

function firstLine(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => done(new Error('timeout while waiting for plugin to start')), timeoutMs);
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString('utf8');
      const nl = buffered.indexOf('\n');
      if (nl >= 0) done(null, buffered.slice(0, nl));
    };
    // A plugin that printed its line and exited at once may have the exit reported before
    // the line is read: what it wrote is read to the end before the exit counts.
    const onEnd = (): void => done(new Error('plugin exited before we could connect'));
    const onExit = (): void => {
      if (child.stdout!.readableEnded) onEnd();
      else child.stdout!.once('end', onEnd);
    };
    const onError = (err: Error): void => done(new Error(`error starting plugin: ${err.message}`));
    const done = (err: Error | null, line?: string): void => {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.stdout!.off('end', onEnd);
      child.off('exit', onExit);
      child.off('error', onError);
      if (err) reject(err);
      else resolve(line!);
    };
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

function dial(network: 'unix' | 'tcp', address: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket =
      network === 'unix'
        ? connect(address)
        : connect({host: address.slice(0, address.lastIndexOf(':')), port: Number(address.slice(address.lastIndexOf(':') + 1))});
    socket.once('connect', () => {
      socket.off('error', reject);
      socket.setNoDelay(true);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timeout')), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

