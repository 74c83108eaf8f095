// Calls into one running plugin process (the host's hooksRPCClient): only hooks
// the plugin listed in Implemented are called, as Mattermost does. Message hooks
// run in the background after the change that caused them, like the server's
// goroutines; their failures are reported, never thrown at the caller.

import type {MuxBroker} from '../../server/wire/goplugin/index.js';
import type {RpcClient} from '../../server/wire/netrpc/index.js';
import type {Context, Post} from '../../server/mattermost/model.js';
import {requestId} from './request-id.js';
import {callServeHTTP, type ForwardedRequest, type ResponseSink, type ServeHTTPResult} from './serve-http.js';
import {hookArgs} from './shapes.js';

export type HookErrorReporter = (hook: string, err: unknown) => void;

export class HookCaller {
  private readonly implemented: ReadonlySet<string>;

  constructor(
    private readonly client: RpcClient,
    private readonly broker: MuxBroker,
    implemented: readonly string[],
    private readonly report: HookErrorReporter,
  ) {
    this.implemented = new Set(implemented);
  }

  has(hook: string): boolean {
    return this.implemented.has(hook);
  }

  get hookNames(): string[] {
    return [...this.implemented];
  }

  private context(): Context {
    return {RequestId: requestId()};
  }

  /** Runs a hook nobody waits for; resolves once the plugin has run it (errors are reported, not thrown). */
  private background(hook: keyof typeof hookArgs, args: object): Promise<void> {
    if (!this.has(hook)) return Promise.resolve();
    return this.client.call(`Plugin.${hook}`, args, hookArgs[hook]).then(
      () => undefined,
      (err: unknown) => this.report(hook, err),
    );
  }

  messageHasBeenPosted(post: Post): Promise<void> {
    return this.background('MessageHasBeenPosted', {A: this.context(), B: post});
  }

  messageHasBeenUpdated(post: Post, old: Post): void {
    void this.background('MessageHasBeenUpdated', {A: this.context(), B: post, C: old});
  }

  messageHasBeenDeleted(post: Post): void {
    void this.background('MessageHasBeenDeleted', {A: this.context(), B: post});
  }

  /** Resolves with the hook's own error text, or null. */
  async onConfigurationChange(): Promise<string | null> {
    if (!this.has('OnConfigurationChange')) return null;
    return errorText(await this.client.call('Plugin.OnConfigurationChange', {}, hookArgs.OnConfigurationChange));
  }

  async onDeactivate(): Promise<string | null> {
    if (!this.has('OnDeactivate')) return null;
    return errorText(await this.client.call('Plugin.OnDeactivate', {}, hookArgs.OnDeactivate));
  }

  serveHTTP(req: ForwardedRequest, sink: ResponseSink): Promise<ServeHTTPResult> {
    return callServeHTTP(this.client, this.broker, req, sink, this.report);
  }
}

/** The text of a Z_<Hook>Returns{A error} reply's error, or null. */
export function errorText(reply: unknown): string | null {
  const a = (reply as {A?: unknown} | null | undefined)?.A;
  if (a === undefined || a === null) return null;
  const value = (typeof a === 'object' && a !== null && 'value' in a ? (a as {value: unknown}).value : a) as {Err?: string; Message?: string; Where?: string; DetailedError?: string};
  if (typeof value !== 'object' || value === null) return String(value);
  if (value.Err !== undefined) return value.Err;
  let s = value.Where ? `${value.Where}: ${value.Message ?? ''}` : (value.Message ?? '');
  if (value.DetailedError) s += `, ${value.DetailedError}`;
  return s || 'error';
}
