// A durable job queue in the plugin KV store, safe for several nodes.
//
// KV layout:
//   dq_j_<id>    the job record {id, hook_id, attempt, due, created_at, payload}
//   dq_l_<id>    the lease {node, token, at}, written with compare-and-set
//                "only if absent" and an expiry of leaseSeconds
//   dq_ix_<n>    index shard n (id hash mod shards): [[id, due, hook_id], …]
// The KV store cannot scan ranges, so the shards are the queue's table of
// contents; they only say where to look. The job record is the truth: it is
// written before its index entry (so an entry never precedes its job), and
// deleted, by compare-and-set against the bytes read at claim time, when the
// job is finished. A claimer that finds no record knows the job is done.
//
// Guarantees: enqueue resolves only once the job is stored (durable). A node
// sends a job only while holding its lease, renewed every leaseSeconds/3 during
// the send, so two nodes never send one job at the same time; a crashed node's
// leases expire and another node (or the restarted one) takes the jobs over, so
// every job is sent at least once. A finished job's record is gone, so it is
// never sent again. The KV store's own clock decides lease expiry, so node clock
// skew does not matter for it.
//
// Scheduling: a periodic scan (scanIntervalMs) reads the shards for due jobs;
// a local enqueue wakes the node at once. At most `concurrency` jobs run per
// node, at most `perHookConcurrency` of them for one hook, and candidates are
// taken round-robin across hooks, oldest first within a hook, so one busy hook
// cannot starve the others.

import {createHash} from 'node:crypto';
import type {PluginAPI} from '../mattermost/api.js';
import {CasBatcher, decodeJSON, encodeJSON, newId} from './kv.js';

export const JOB_PREFIX = 'dq_j_';
export const LEASE_PREFIX = 'dq_l_';
export const SHARD_PREFIX = 'dq_ix_';

export interface QueueRecord<T> {
  id: string;
  hook_id: string;
  /** Attempts already made. */
  attempt: number;
  /** When the next attempt may start (ms). */
  due: number;
  created_at: number;
  payload: T;
}

/** What became of an attempt. `after` runs once, only if this node's outcome was the one stored. */
export type HandlerResult = {kind: 'done'; after?: () => Promise<void>} | {kind: 'retry'; due: number; after?: () => Promise<void>};

export type Handler<T> = (record: QueueRecord<T>) => Promise<HandlerResult>;

export interface QueueOptions {
  nodeId: string;
  now?: () => number;
  shards?: number;
  concurrency?: number;
  perHookConcurrency?: number;
  leaseSeconds?: number;
  scanIntervalMs?: number;
  stopGraceMs?: number;
  /** Refuse new jobs beyond this many pending (as of the last scan). */
  maxPending?: number;
  /** Re-index jobs whose index entry was lost (crash mid-enqueue) when starting. */
  sweepOnStart?: boolean;
}

type ShardEntry = [id: string, due: number, hookId: string];

interface Known {
  due: number;
  hook: string;
}

export class QueueFullError extends Error {
  override name = 'QueueFullError';
}

export class DurableQueue<T> {
  readonly nodeId: string;
  private readonly now: () => number;
  private readonly shardCount: number;
  private readonly concurrency: number;
  private readonly perHook: number;
  private readonly leaseSeconds: number;
  private readonly scanIntervalMs: number;
  private readonly stopGraceMs: number;
  private readonly maxPending: number;
  private readonly sweepOnStart: boolean;
  private readonly shards: CasBatcher<ShardEntry[]>;

  /** Jobs this node knows of (last scan plus own enqueues), not yet known finished. */
  private readonly known = new Map<string, Known>();
  private order: string[] | null = null;
  private readonly inflight = new Map<string, Promise<void>>();
  private readonly claiming = new Set<string>();
  private readonly hookLoad = new Map<string, number>();
  private readonly renewals = new Set<NodeJS.Timeout>();
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private scanning: Promise<void> | null = null;
  private rescan = false;
  private kicked = false;
  private pendingEstimate = 0;

  constructor(
    private readonly api: PluginAPI,
    private readonly handler: Handler<T>,
    options: QueueOptions,
  ) {
    this.nodeId = options.nodeId;
    this.now = options.now ?? Date.now;
    this.shardCount = Math.max(1, options.shards ?? 16);
    this.concurrency = Math.max(1, options.concurrency ?? 16);
    this.perHook = Math.max(1, Math.min(this.concurrency, options.perHookConcurrency ?? Math.ceil(this.concurrency * 0.75)));
    this.leaseSeconds = Math.max(1, Math.ceil(options.leaseSeconds ?? 30));
    this.scanIntervalMs = options.scanIntervalMs ?? 1000;
    this.stopGraceMs = options.stopGraceMs ?? 10_000;
    this.maxPending = options.maxPending ?? 100_000;
    this.sweepOnStart = options.sweepOnStart ?? true;
    this.shards = new CasBatcher(api);
  }

  private shardKey(id: string): string {
    const h = createHash('sha1').update(id).digest();
    return SHARD_PREFIX + (h.readUInt32BE(0) % this.shardCount);
  }

  // ---- enqueue ----

  /** Stores the job; resolves once it is durable. */
  async enqueue(input: {id?: string; hook_id: string; payload: T; due?: number}): Promise<QueueRecord<T>> {
    if (this.pendingEstimate >= this.maxPending) throw new QueueFullError(`the delivery queue holds ${this.pendingEstimate} jobs; refusing more`);
    const now = this.now();
    const rec: QueueRecord<T> = {id: input.id ?? newId(), hook_id: input.hook_id, attempt: 0, due: input.due ?? now, created_at: now, payload: input.payload};
    await this.api.kvSet(JOB_PREFIX + rec.id, encodeJSON(rec));
    await this.shards.update(this.shardKey(rec.id), (list) => [...(list ?? []).filter(([id]) => id !== rec.id), [rec.id, rec.due, rec.hook_id]]);
    this.pendingEstimate++;
    this.remember(rec.id, rec.due, rec.hook_id);
    this.kick();
    return rec;
  }

  // ---- lifecycle ----

  start(): void {
    if (this.running) return;
    this.running = true;
    this.timer = setInterval(() => void this.tick(), this.scanIntervalMs);
    this.timer.unref?.();
    if (this.sweepOnStart) void this.sweep().catch((err: unknown) => this.warn('orphan sweep failed', err));
    void this.tick();
  }

  /** Stops taking jobs and waits up to the grace period for running sends. Unfinished ones keep their leases until expiry. */
  async stop(graceMs = this.stopGraceMs): Promise<void> {
    this.running = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.inflight.values()]), new Promise<void>((r) => (timeout = setTimeout(r, graceMs)))]);
    clearTimeout(timeout);
    // A stopping node must not keep jobs it will never finish: let their leases lapse.
    for (const t of this.renewals) clearInterval(t);
    this.renewals.clear();
  }

  /** One scan and claim round, waiting for the jobs it started (tests, manual driving). */
  async poll(): Promise<void> {
    await this.scan();
    await this.fill(true);
    await Promise.allSettled([...this.inflight.values()]);
  }

  get inFlight(): number {
    return this.inflight.size;
  }

  /** Ids in the index (pending or being sent), across the cluster. */
  async pendingIds(): Promise<string[]> {
    return (await this.readShards()).map(([id]) => id);
  }

  private async tick(): Promise<void> {
    if (!this.running) return;
    try {
      await this.scan();
      await this.fill();
    } catch (err) {
      this.warn('queue scan failed', err);
    }
  }

  private kick(): void {
    if (!this.running || this.kicked) return;
    this.kicked = true;
    setImmediate(() => {
      this.kicked = false;
      void this.fill().catch((err: unknown) => this.warn('queue fill failed', err));
    });
  }

  // ---- discovery ----

  private remember(id: string, due: number, hook: string): void {
    this.known.set(id, {due, hook});
    this.order = null;
  }

  private forget(id: string): void {
    if (this.known.delete(id)) this.order = null;
  }

  private async readShards(): Promise<ShardEntry[]> {
    const keys = Array.from({length: this.shardCount}, (_, i) => SHARD_PREFIX + i);
    const lists = await Promise.all(keys.map(async (k) => decodeJSON<ShardEntry[]>(await this.api.kvGet(k)) ?? []));
    return lists.flat();
  }

  private scan(): Promise<void> {
    // One scan at a time; a request during a scan gets a fresh one afterwards.
    if (this.scanning) {
      this.rescan = true;
      return this.scanning;
    }
    this.scanning = (async () => {
      try {
        do {
          this.rescan = false;
          const entries = await this.readShards();
          this.pendingEstimate = entries.length;
          this.known.clear();
          for (const [id, due, hook] of entries) this.known.set(id, {due, hook});
          this.order = null;
        } while (this.rescan);
      } finally {
        this.scanning = null;
      }
    })();
    return this.scanning;
  }

  /** Due job ids, round-robin across hooks, oldest first within each. */
  private fairOrder(): string[] {
    if (this.order) return this.order;
    const now = this.now();
    const byHook = new Map<string, [string, number][]>();
    for (const [id, k] of this.known) {
      if (k.due > now) continue;
      const list = byHook.get(k.hook) ?? [];
      list.push([id, k.due]);
      byHook.set(k.hook, list);
    }
    // Ties on due time go by id, which is creation order.
    const byAge = (a: [string, number], b: [string, number]): number => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
    const queues = [...byHook.values()].map((l) => l.sort(byAge)).sort((a, b) => byAge(a[0]!, b[0]!));
    const out: string[] = [];
    for (let round = 0; out.length < this.known.size; round++) {
      let any = false;
      for (const q of queues) {
        const e = q[round];
        if (e) {
          out.push(e[0]);
          any = true;
        }
      }
      if (!any) break;
    }
    // Due times pass while the order is cached; recompute at least every scan.
    return (this.order = out);
  }

  private freeSlots(): number {
    return this.concurrency - this.inflight.size - this.claiming.size;
  }

  private async fill(force = false): Promise<void> {
    if (!this.running && !force) return;
    const order = this.fairOrder();
    let pending = order;
    while (this.freeSlots() > 0 && pending.length) {
      const room = this.freeSlots();
      const batch: [string, string][] = [];
      // Jobs of a hook at its cap wait for the next round, not the next scan.
      const later: string[] = [];
      for (const id of pending) {
        const k = this.known.get(id);
        if (!k || this.inflight.has(id) || this.claiming.has(id)) continue;
        if (batch.length >= room || (this.hookLoad.get(k.hook) ?? 0) >= this.perHook) {
          later.push(id);
          continue;
        }
        batch.push([id, k.hook]);
        this.claiming.add(id);
        this.hookLoad.set(k.hook, (this.hookLoad.get(k.hook) ?? 0) + 1);
      }
      if (batch.length === 0) break;
      await Promise.all(batch.map(([id, hook]) => this.claimAndRun(id, hook)));
      pending = later;
    }
    // The next fill starts with what this one could not take.
    if (this.order === order) this.order = pending;
  }

  // ---- claiming and running ----

  private leaseValue(): Uint8Array {
    return encodeJSON({node: this.nodeId, token: newId(), at: this.now()});
  }

  private async claimAndRun(id: string, hook: string): Promise<void> {
    let started = false;
    try {
      const lease = this.leaseValue();
      if (!(await this.api.kvSetWithOptions(LEASE_PREFIX + id, lease, {atomic: true, oldValue: null, expireInSeconds: this.leaseSeconds}))) {
        // Someone else is on it; the next scan tells whether it is still pending.
        this.forget(id);
        return;
      }
      const raw = await this.api.kvGet(JOB_PREFIX + id);
      const rec = decodeJSON<QueueRecord<T>>(raw);
      if (!raw || !rec) {
        // Finished elsewhere; its index entry is a leftover.
        this.forget(id);
        await this.release(id, lease);
        await this.unindex(id);
        return;
      }
      if (rec.due > this.now()) {
        this.remember(id, rec.due, rec.hook_id);
        await this.release(id, lease);
        await this.reindex(rec);
        return;
      }
      started = true;
      const run = this.run(rec, raw, lease).finally(() => {
        this.inflight.delete(id);
        this.unload(hook);
        this.kick();
      });
      this.inflight.set(id, run);
    } catch (err) {
      this.warn('claiming a job failed', err, id);
    } finally {
      this.claiming.delete(id);
      if (!started) this.unload(hook);
    }
  }

  private unload(hook: string): void {
    const n = (this.hookLoad.get(hook) ?? 1) - 1;
    if (n > 0) this.hookLoad.set(hook, n);
    else this.hookLoad.delete(hook);
  }

  private async run(rec: QueueRecord<T>, raw: Uint8Array, firstLease: Uint8Array): Promise<void> {
    let lease = firstLease;
    let renewing: Promise<void> = Promise.resolve();
    const renewal = setInterval(() => {
      const next = this.leaseValue();
      renewing = this.api
        .kvSetWithOptions(LEASE_PREFIX + rec.id, next, {atomic: true, oldValue: lease, expireInSeconds: this.leaseSeconds})
        .then((ok) => {
          if (ok) lease = next;
          else this.api.logWarn('Hookbridge delivery queue: lost the lease of a running job; another node may send it too', {job_id: rec.id, node: this.nodeId});
        })
        .catch((err: unknown) => this.warn('renewing a lease failed', err, rec.id));
    }, (this.leaseSeconds * 1000) / 3);
    renewal.unref?.();
    this.renewals.add(renewal);
    let result: HandlerResult;
    try {
      result = await this.handler(rec);
    } catch (err) {
      // Leave the lease to expire: it doubles as a back-off before someone tries again.
      this.warn('delivery handler failed; the job will be retried after its lease expires', err, rec.id);
      return;
    } finally {
      clearInterval(renewal);
      this.renewals.delete(renewal);
    }
    try {
      // A renewal still on the wire would otherwise race the release below.
      await renewing;
      let stored: boolean;
      if (result.kind === 'done') {
        stored = await this.api.kvSetWithOptions(JOB_PREFIX + rec.id, null, {atomic: true, oldValue: raw});
        if (stored) {
          this.forget(rec.id);
          await this.unindex(rec.id);
          this.pendingEstimate = Math.max(0, this.pendingEstimate - 1);
        }
      } else {
        const next: QueueRecord<T> = {...rec, attempt: rec.attempt + 1, due: result.due};
        stored = await this.api.kvSetWithOptions(JOB_PREFIX + rec.id, encodeJSON(next), {atomic: true, oldValue: raw});
        if (stored) {
          this.remember(rec.id, next.due, next.hook_id);
          await this.reindex(next);
        }
      }
      await this.release(rec.id, lease);
      if (!stored) {
        this.api.logWarn('Hookbridge delivery queue: the job changed while this node was sending it; keeping the other outcome', {job_id: rec.id, node: this.nodeId});
        return;
      }
      await result.after?.();
    } catch (err) {
      this.warn('recording a job outcome failed', err, rec.id);
    }
  }

  private async release(id: string, lease: Uint8Array): Promise<void> {
    await this.api.kvSetWithOptions(LEASE_PREFIX + id, null, {atomic: true, oldValue: lease});
  }

  private unindex(id: string): Promise<void> {
    return this.shards.update(this.shardKey(id), (list) => {
      const next = (list ?? []).filter(([e]) => e !== id);
      return next.length ? next : null;
    });
  }

  private reindex(rec: QueueRecord<T>): Promise<void> {
    return this.shards.update(this.shardKey(rec.id), (list) => [...(list ?? []).filter(([e]) => e !== rec.id), [rec.id, rec.due, rec.hook_id]]);
  }

  /** Indexes job records that have no index entry (their enqueue died between the two writes). */
  private async sweep(): Promise<void> {
    const indexed = new Set(await this.pendingIds());
    const orphans: string[] = [];
    for (let page = 0; ; page++) {
      const keys = await this.api.kvList(page, 1000);
      for (const k of keys) if (k.startsWith(JOB_PREFIX) && !indexed.has(k.slice(JOB_PREFIX.length))) orphans.push(k.slice(JOB_PREFIX.length));
      if (keys.length < 1000) break;
    }
    let fixed = 0;
    for (const id of orphans) {
      const rec = decodeJSON<QueueRecord<T>>(await this.api.kvGet(JOB_PREFIX + id));
      // A young record may still be mid-enqueue on another node.
      if (!rec || rec.created_at > this.now() - 60_000) continue;
      await this.reindex(rec);
      fixed++;
    }
    if (fixed) this.api.logInfo('Hookbridge delivery queue: re-indexed jobs left by an interrupted enqueue', {count: fixed});
  }

  private warn(what: string, err: unknown, jobId?: string): void {
    this.api.logWarn(`Hookbridge delivery queue: ${what}`, {node: this.nodeId, ...(jobId ? {job_id: jobId} : {}), error: err instanceof Error ? err.message : String(err)});
  }
}
