// Runs the plugin executable the way Mattermost's plugin supervisor does
// (server/public/plugin/supervisor.go, environment.go, health_check.go):
// launch with go-plugin's environment, Dispense("hooks"), Implemented, serve the
// API and a driver stub on two broker ids, OnActivate; Control.Ping every 30 s
// (three failures in a row restart it); on stop OnDeactivate (10 s at most) then
// Control.Quit with a 2 s grace before SIGKILL. Unlike the server, a crashed
// plugin is restarted until it stays up, with a growing pause between attempts,
// because the sandbox is where plugins crash while they are being written.

import {EventEmitter} from 'node:events';
import {PluginClient, type Level} from '../../server/wire/goplugin/index.js';
import type {RpcClient, Service} from '../../server/wire/netrpc/index.js';
import {HookCaller, errorText} from './hooks.js';
import {implementedArgs, onActivateArgs} from './shapes.js';

/** Mattermost's PluginState numbers, as /api/v4/plugins/statuses reports them. */
export const PluginState = {
  NotRunning: 0,
  Starting: 1,
  Running: 2,
  FailedToStart: 3,
  FailedToStayRunning: 4,
  Stopping: 5,
} as const;
export type PluginStateValue = (typeof PluginState)[keyof typeof PluginState];

export interface PluginLog {
  level: Level | 'none';
  message: string;
  fields: Record<string, unknown>;
}

export interface SupervisorOptions {
  executable: string;
  env?: NodeJS.ProcessEnv;
  /** The API served to each activation. */
  api: () => Service;
  healthCheckMs?: number;
  /** Pause before the first restart after a crash; doubles up to maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
  deactivateTimeoutMs?: number;
  onLog?: (entry: PluginLog) => void;
  /** Host-side problems: failed hooks, restarts. */
  onProblem?: (message: string) => void;
}

const HEALTH_PING_TRIES = 3;
/** A plugin that stayed up this long is considered healthy again (resets the backoff). */
const STABLE_AFTER_MS = 30_000;

export interface Supervisor {
  on(event: 'state', listener: (state: PluginStateValue) => void): this;
  on(event: 'activated', listener: (hooks: HookCaller) => void): this;
}

export class Supervisor extends EventEmitter {
  state: PluginStateValue = PluginState.NotRunning;
  lastError = '';
  private client: PluginClient | null = null;
  private hooksClient: RpcClient | null = null;
  private caller: HookCaller | null = null;
  private health: NodeJS.Timeout | null = null;
  private retry: NodeJS.Timeout | null = null;
  private failures = 0;
  private activatedAt = 0;
  private wanted = false;
  /** Lifecycle operations run one at a time in this chain. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: SupervisorOptions) {
    super();
  }

  get hooks(): HookCaller | null {
    return this.state === PluginState.Running ? this.caller : null;
  }

  get pid(): number | null {
    return this.client && !this.client.hasExited ? (this.client.process.pid ?? null) : null;
  }

  /** yamux streams open on the connection to the running plugin (diagnostics). */
  get openStreams(): number {
    return this.client?.session.streamCount ?? 0;
  }

  private setState(state: PluginStateValue): void {
    if (this.state === state) return;
    this.state = state;
    this.emit('state', state);
  }

  private serial<T>(op: () => Promise<T>): Promise<T> {
    const next = this.chain.then(op, op);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Starts the plugin; if it fails, keeps retrying in the background. Resolves after the first attempt. */
  start(): Promise<void> {
    this.wanted = true;
    return this.serial(() => this.attempt());
  }

  /** Stops and starts the process, keeping everything the host holds. */
  restart(): Promise<void> {
    this.wanted = true;
    return this.serial(async () => {
      this.failures = 0;
      await this.shutdown();
      await this.attempt();
    });
  }

  stop(): Promise<void> {
    this.wanted = false;
    return this.serial(() => this.shutdown());
  }

  /** Waits until the plugin runs (or gives up): for requests that arrive during a restart. */
  async ready(timeoutMs: number): Promise<HookCaller | null> {
    const deadline = Date.now() + timeoutMs;
    while (this.wanted && !this.hooks && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    return this.hooks;
  }

  private async attempt(): Promise<void> {
    if (!this.wanted) return;
    this.clearRetry();
    this.setState(PluginState.Starting);
    try {
      await this.activate();
      this.lastError = '';
      this.setState(PluginState.Running);
      this.startHealthCheck();
      this.emit('activated', this.caller!);
    } catch (err) {
      this.lastError = err instanceof Error ? err.message : String(err);
      this.options.onProblem?.(`plugin failed to start: ${this.lastError}`);
      await this.teardown(false);
      this.setState(PluginState.FailedToStart);
      this.scheduleRetry();
    }
  }

  private async activate(): Promise<void> {
    let launched: PluginClient | null = null;
    const client = await PluginClient.launch({
      command: this.options.executable,
      ...(this.options.env ? {env: this.options.env} : {}),
      onLog: (entry) => this.options.onLog?.(entry),
      // An exit before launch returns is a failed start, which attempt() handles.
      onExit: (code, signal) => launched && this.exited(launched, code, signal),
    });
    launched = client;
    this.client = client;
    const hooks = await client.dispense('hooks');
    this.hooksClient = hooks;
    const implemented = ((await hooks.call('Plugin.Implemented', {}, implementedArgs)) ?? []) as string[];
    this.caller = new HookCaller(hooks, client.broker, implemented, (hook, err) => this.options.onProblem?.(`${hook}: ${err instanceof Error ? err.message : String(err)}`));
    // environment.go: the API and the database driver each get their own broker id.
    const apiId = client.broker.nextId();
    const driverId = client.broker.nextId();
    const report = (what: string) => (err: unknown) => this.options.onProblem?.(`${what}: ${err instanceof Error ? err.message : String(err)}`);
    void client.broker.acceptAndServe(apiId, this.options.api(), report('API stream')).catch(report('API stream'));
    void client.broker.acceptAndServe(driverId, {}, report('driver stream')).catch(report('driver stream'));
    const reply = await hooks.call('Plugin.OnActivate', {APIMuxId: apiId, DriverMuxId: driverId}, onActivateArgs);
    const failed = errorText(reply);
    if (failed !== null) throw new Error(`OnActivate: ${failed}`);
    this.activatedAt = Date.now();
  }

  private exited(client: PluginClient, code: number | null, signal: NodeJS.Signals | null): void {
    if (client !== this.client || this.state === PluginState.Stopping) return;
    const how = signal ? `signal ${signal}` : `exit status ${code}`;
    if (this.state !== PluginState.Running) return; // a failed start handles its own retry
    this.lastError = `plugin process exited (${how})`;
    this.options.onProblem?.(this.lastError);
    this.setState(PluginState.FailedToStayRunning);
    void this.serial(async () => {
      if (this.client !== client) return;
      await this.teardown(false);
      this.scheduleRetry();
    });
  }

  private scheduleRetry(): void {
    if (!this.wanted) return;
    if (this.activatedAt && Date.now() - this.activatedAt > STABLE_AFTER_MS) this.failures = 0;
    this.activatedAt = 0;
    const base = this.options.backoffMs ?? 1000;
    const delay = Math.min(base * 2 ** this.failures, this.options.maxBackoffMs ?? 30_000);
    this.failures++;
    this.options.onProblem?.(`restarting the plugin in ${delay} ms`);
    this.retry = setTimeout(() => {
      this.retry = null;
      void this.serial(() => this.attempt());
    }, delay);
  }

  private clearRetry(): void {
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
  }

  private startHealthCheck(): void {
    this.stopHealthCheck();
    const interval = this.options.healthCheckMs ?? 30_000;
    if (interval <= 0) return;
    this.health = setInterval(() => void this.checkHealth(), interval);
    this.health.unref();
  }

  private stopHealthCheck(): void {
    if (this.health) clearInterval(this.health);
    this.health = null;
  }

  private async checkHealth(): Promise<void> {
    const client = this.client;
    if (!client || this.state !== PluginState.Running) return;
    for (let i = 0; i < HEALTH_PING_TRIES; i++) {
      try {
        await Promise.race([client.ping(), new Promise((_, reject) => setTimeout(() => reject(new Error('ping timeout')), 5000).unref())]);
        return;
      } catch {
        // try again
      }
    }
    if (client !== this.client) return;
    this.lastError = 'plugin RPC connection is not responding';
    this.options.onProblem?.(this.lastError);
    this.setState(PluginState.FailedToStayRunning);
    await this.serial(async () => {
      await this.teardown(false);
      this.scheduleRetry();
    });
  }

  private async shutdown(): Promise<void> {
    this.clearRetry();
    if (!this.client) {
      this.setState(PluginState.NotRunning);
      return;
    }
    await this.teardown(true);
    this.setState(PluginState.NotRunning);
  }

  /** OnDeactivate (when graceful and implemented), then Quit, 2 s, SIGKILL. */
  private async teardown(graceful: boolean): Promise<void> {
    this.stopHealthCheck();
    const client = this.client;
    const caller = this.caller;
    const wasRunning = this.state === PluginState.Running;
    this.setState(PluginState.Stopping);
    if (graceful && wasRunning && caller && client && !client.hasExited) {
      const timeout = this.options.deactivateTimeoutMs ?? 10_000;
      try {
        const failed = await Promise.race([caller.onDeactivate(), new Promise<string>((r) => setTimeout(() => r(`no answer within ${timeout} ms`), timeout).unref())]);
        if (failed) this.options.onProblem?.(`OnDeactivate: ${failed}`);
      } catch (err) {
        this.options.onProblem?.(`OnDeactivate: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    this.caller = null;
    this.hooksClient?.close();
    this.hooksClient = null;
    if (client) {
      await client.kill();
      client.broker.close();
    }
    this.client = null;
  }
}
