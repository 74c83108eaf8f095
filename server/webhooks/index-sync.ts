// Keeps this node's trigger index (and its memory of incoming hooks) equal to
// the KV store across a cluster.
//
// Every change bumps hb_version. The node that made it applies it at once and
// tells the others with a plugin cluster event naming the hook and the version;
// receivers re-read that hook from the store (never trusting the event's
// content, so events may arrive in any order). A periodic check compares
// hb_version with the versions this node has seen: a version that is still
// missing at the following check (its event was lost) is looked up in the
// store's record of changes, and the hook it names is re-read; only a version
// without a record (expired, or written by an older version of the plugin)
// triggers a full rebuild, which also runs on a long timer as the last line of
// defence. All index work is serialised, so a slow read can never overwrite a
// newer one.

import type {PluginAPI} from '../mattermost/api.js';
import {errorMessage} from './errors.js';
import {isHookKind, type HookKind} from './model.js';
import type {HookStore} from './store.js';
import type {TriggerIndex} from './trigger-index.js';

export const CLUSTER_EVENT_ID = 'hook_changed';

export interface ChangeNotice {
  kind: HookKind;
  id: string;
  version: number;
}

export interface SyncOptions {
  checkIntervalMs?: number;
  /** Default an hour: every change can be found by its version, so this only guards against what nothing recorded. */
  fullRebuildIntervalMs?: number;
  /** Told of every outgoing hook change applied here, from any node (null: any hook may have changed). */
  onOutgoingChange?: (hookId: string | null) => void;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Missed changes repaired one by one; more than this at once and a full rebuild is cheaper. */
const MAX_REPAIRS = 1000;

export class IndexSync {
  /** Versions up to here are reflected in the index. */
  private base = 0;
  private readonly seen = new Set<number>();
  private missingAtLastCheck = new Set<number>();
  private queue: Promise<unknown> = Promise.resolve();
  private timers: NodeJS.Timeout[] = [];
  rebuilds = 0;

  constructor(
    private readonly api: PluginAPI,
    private readonly store: HookStore,
    private readonly index: TriggerIndex,
    private readonly options: SyncOptions = {},
  ) {}

  /** Runs index work one piece at a time. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  rebuild(): Promise<void> {
    return this.serial(() => this.rebuildNow());
  }

  private async rebuildNow(): Promise<void> {
    // The version is read first: anything written while loading has a higher
    // version and is either seen through its event or caught by the next check.
    const version = await this.store.version();
    // Whatever was missed may have touched incoming hooks too.
    this.store.forgetIncoming();
    // Streamed into the serving index, changing only what changed (a first read
    // builds it); each whole hook is dropped as soon as it has been compared or filed.
    const next = this.index.refreshing();
    await this.store.eachOutgoing((hook) => next.add(hook));
    next.commit();
    this.options.onOutgoingChange?.(null);
    this.base = version;
    this.seen.clear();
    this.missingAtLastCheck.clear();
    this.rebuilds++;
  }

  /** Applies a change made on this node and tells the other nodes. */
  async localChange(notice: ChangeNotice): Promise<void> {
    await this.apply(notice);
    try {
      await this.api.publishPluginClusterEvent(CLUSTER_EVENT_ID, enc.encode(JSON.stringify(notice)), {sendType: 'reliable'});
    } catch (err) {
      // The periodic check repairs peers that miss this.
      this.api.logWarn('Could not tell other nodes about a hook change', {hook_id: notice.id, error: errorMessage(err)});
    }
  }

  /** A change announced by another node. */
  async remoteChange(data: Uint8Array | undefined): Promise<void> {
    let notice: ChangeNotice;
    try {
      notice = JSON.parse(dec.decode(data ?? new Uint8Array())) as ChangeNotice;
    } catch {
      return;
    }
    if (!isHookKind(notice.kind) || typeof notice.id !== 'string' || typeof notice.version !== 'number') return;
    // At once, not behind queued index work: the webhook URL must stop using the old hook now.
    if (notice.kind === 'incoming') this.store.forgetIncoming(notice.id);
    await this.apply(notice);
  }

  private apply(notice: ChangeNotice): Promise<void> {
    return this.serial(() => this.applyNow(notice));
  }

  private async applyNow(notice: ChangeNotice): Promise<void> {
    if (notice.kind === 'outgoing') {
      const hook = await this.store.getOutgoing(notice.id);
      if (hook && !hook.delete_at) this.index.upsert(hook);
      else this.index.remove(notice.id);
      this.options.onOutgoingChange?.(notice.id);
    } else {
      this.store.forgetIncoming(notice.id);
    }
    if (notice.version > this.base) this.seen.add(notice.version);
    this.advance();
  }

  private advance(): void {
    while (this.seen.has(this.base + 1)) {
      this.seen.delete(this.base + 1);
      this.base++;
    }
  }

  /** Compares the store's version with what this node has applied; rebuilds when a change went unseen. */
  check(): Promise<void> {
    return this.serial(async () => {
      const stored = await this.store.version();
      if (stored < this.base) {
        // The counter went backwards (the KV store was restored or cleared).
        await this.rebuildNow();
        return;
      }
      const missing = new Set<number>();
      for (let v = this.base + 1; v <= stored; v++) if (!this.seen.has(v)) missing.add(v);
      // A missing version may just be an event still in flight; only one that
      // stays missing for a whole interval means it was lost.
      const lost = [...missing].filter((v) => this.missingAtLastCheck.has(v));
      if (lost.length > 0) {
        const changes = lost.length <= MAX_REPAIRS ? await this.store.changesAt(lost) : null;
        if (!changes || changes.some((c) => c === null)) {
          this.api.logInfo('Rebuilding the outgoing webhook index: a change from another node was not received');
          await this.rebuildNow();
          return;
        }
        // Re-read just the hooks those changes name.
        for (const [i, change] of changes.entries()) await this.applyNow({...change!, version: lost[i]!});
        this.api.logInfo('Changes from other nodes that were not received were read from the store', {changes: lost.length});
        for (const v of lost) missing.delete(v);
      }
      this.missingAtLastCheck = missing;
    });
  }

  start(): void {
    this.stop();
    const every = (ms: number, work: () => Promise<void>): void => {
      const t = setInterval(() => {
        work().catch((err: unknown) => this.api.logWarn('Outgoing webhook index refresh failed', {error: errorMessage(err)}));
      }, ms);
      t.unref();
      this.timers.push(t);
    };
    every(this.options.checkIntervalMs ?? 30_000, () => this.check());
    every(this.options.fullRebuildIntervalMs ?? 60 * 60_000, () => this.rebuild());
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }

  /** Resolves once queued index work is done (tests, shutdown). */
  settled(): Promise<void> {
    return this.queue.then(() => undefined);
  }
}
