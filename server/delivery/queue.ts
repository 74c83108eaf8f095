// A durable job queue in the plugin KV store, safe for several nodes.
//
// Jobs are stored in groups: every job enqueued while the previous group's
// write is on the wire goes into the next group (group commit), so a post that
// matches 100 hooks, or a burst of posts, costs a handful of KV writes, not a
// handful per job. KV layout:
//   dq_j_<gid>   the group record {v: 2, id, due, created_at, jobs: [QueueRecord]}
//                (a record without `jobs` is a single job, as older versions wrote)
//   dq_l_<gid>   the lease {node, token, at}, written with compare-and-set
//                "only if absent" and an expiry of leaseSeconds
//   dq_d_<gid>   the jobs of the group already finished: a bitset of their
//                positions, base64 (written only while other jobs of it remain)
//   dq_ix_<n>    index shard n (gid hash mod shards): [[gid, due, hook_id], …]
// The KV store cannot scan ranges, so the shards are the queue's table of
// contents; they only say where to look. The group record is the truth: it is
// written before its index entry, and deleted once all its jobs are finished.
// A claimer that finds no record knows the group is done.
//
// Guarantees: enqueue resolves only once the job is stored (durable). A node
// sends a group's jobs only while holding its lease, renewed every
// leaseSeconds/3, so two nodes never send one job at the same time; a crashed
// node's leases expire and another node (or the restarted one) takes the group
// over, skipping the jobs its bitset marks finished, so every job is sent at
// least once and only jobs in flight at a crash can be sent twice. A job's
// outcome is stored (bitset or group deletion) before its `after` runs. A job
// to retry later moves into a group of its own, due at its retry time. The KV
// store's own clock decides lease expiry, so node clock skew does not matter.
//
// A node owns the groups it writes (it takes the lease with the record) and
// starts their jobs at once; other nodes find groups through a periodic scan
// (scanIntervalMs). A group whose index entry was never written is found by a
// sweep of the store's keys, once it is older than two lease periods and under
// no lease. A sweep lists every key of the plugin (about 200 KVList calls with
// 100k hooks, each an OFFSET query on the database), so it runs only when such
// a group can exist. Its node retries a failed index write itself, so only a
// node that stopped without a clean stop can leave one: running nodes are
// named in dq_nodes and each keeps dq_node_<id> alive (an expiry of three
// lease periods, renewed with the leases); a clean stop removes both. Every
// check interval, a node that finds a named node no longer alive sweeps (one
// at a time, under dq_sweep_dead) and then strikes it off. A cluster with no
// dq_nodes yet (its first start of a version that keeps it) sweeps once at
// start, and one sweep per sweep interval (six hours) stays as a backstop,
// made by whichever node sets dq_sweep first (it lapses before the next
// interval). Running jobs are capped per node (`concurrency`) and per
// hook (`perHookConcurrency`); waiting jobs are taken round-robin across hooks,
// oldest first within a hook (scheduler.ts), so one busy hook cannot starve the
// others.

import {createHash} from 'node:crypto';
import {SlotSet, trackUntilSettled} from '../collections/slot-set.js';
import type {PluginAPI} from '../mattermost/api.js';
import {CasBatcher, decodeJSON, encodeJSON, newId} from './kv.js';
import {FairScheduler} from './scheduler.js';

export const JOB_PREFIX = 'dq_j_';
export const LEASE_PREFIX = 'dq_l_';
export const DONE_PREFIX = 'dq_d_';
export const SHARD_PREFIX = 'dq_ix_';
/** Set, with an expiry, by the node sweeping this interval (see the file comment). */
export const SWEEP_KEY = 'dq_sweep';
/** Node ids of the running queues, a JSON array (see the file comment). */
export const ROSTER_KEY = 'dq_nodes';
/** dq_node_<id>: present while that node runs. */
export const ALIVE_PREFIX = 'dq_node_';
/** Set, with a short expiry, by the node sweeping after another node's unclean stop. */
export const DEAD_SWEEP_KEY = 'dq_sweep_dead';

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

interface GroupRecord<T> {
  v: 2;
  id: string;
  due: number;
  created_at: number;
  jobs: QueueRecord<T>[];
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
  /** Look for groups whose index entry was lost (crash mid-enqueue) at start, when the cluster has no roster yet. */
  sweepOnStart?: boolean;
  /** Look for such groups this often however things look, ms (default: six hours, at least three lease periods; 0: never). */
  sweepIntervalMs?: number;
  /** Look for nodes that stopped without a clean stop this often, ms (default: a minute, at least a lease period; 0: never). */
  rosterCheckMs?: number;
  /** Largest group written at once (jobs). */
  maxGroupJobs?: number;
  /** Largest group written at once (bytes of JSON, roughly). */
  maxGroupBytes?: number;
  /** A job's payload size as JSON, roughly (default: measured by encoding it). */
  sizeOf?: (payload: unknown) => number;
}

type ShardEntry = [id: string, due: number, hookId: string];

export class QueueFullError extends Error {
  override name = 'QueueFullError';
}

/** A group this node holds the lease of. */
interface Owned {
  id: string;
  lease: Uint8Array;
  size: number;
  /** Positions of finished jobs, as stored (or about to be). */
  done: Uint8Array;
  /** Jobs not finished: waiting, running, or failed. */
  open: number;
  /** Whether the bitset was ever written (and so must be deleted with the group). */
  checkpointed: boolean;
  /** Jobs whose outcome could not be stored (still open); their group is left for a later claim. */
  failed: number;
  /** Jobs handed to the handler and not yet finished. */
  running: number;
  /** A write of the bitset in progress, and whether another is wanted after it. */
  checkpoint: Promise<void> | null;
  checkpointAgain: boolean;
  indexed: Promise<void>;
  /** The group's record and lease are written (at once for claimed groups). */
  stored: Promise<void>;
  released: boolean;
}

interface Entry<T> {
  group: Owned;
  pos: number;
  rec: QueueRecord<T>;
}

interface Waiter<T> {
  rec: QueueRecord<T>;
  bytes: number;
  resolve: (rec: QueueRecord<T>) => void;
  reject: (err: unknown) => void;
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
  private readonly maxGroupJobs: number;
  private readonly maxGroupBytes: number;
  private readonly sizeOf: (payload: T) => number;
  private readonly shards: CasBatcher<ShardEntry[]>;
  private readonly roster: CasBatcher<string[]>;

  private readonly scheduler: FairScheduler<Entry<T>>;
  private readonly owned = new Map<string, Owned>();
  /** Groups in the index not held here (last scan): id → due. */
  private readonly known = new Map<string, number>();
  private readonly inflight = new SlotSet<Promise<void>>();
  /** Clean-up writes after finished groups and what follows finished jobs (poll and stop wait for them). */
  private readonly background = new SlotSet<Promise<void>>();
  private readonly claiming = new Set<string>();
  private waiters: Waiter<T>[] = [];
  private committing = 0;
  private commitScheduled = false;
  private timer: NodeJS.Timeout | null = null;
  private renewTimer: NodeJS.Timeout | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  private sweeping: Promise<void> | null = null;
  private readonly sweepIntervalMs: number;
  private readonly rosterCheckMs: number;
  private rosterTimer: NodeJS.Timeout | null = null;
  private checkingRoster: Promise<void> | null = null;
  private joining: Promise<void> | null = null;
  private joined = false;
  /** Groups of this node whose index entry could not be written: id → [due, hook]. Retried every scan. */
  private readonly unindexed = new Map<string, [due: number, hookId: string]>();
  private running = false;
  private scanning: Promise<void> | null = null;
  private rescan = false;
  private kicked = false;
  private pendingEstimate = 0;
  private ownedJobs = 0;

  constructor(
    private readonly api: PluginAPI,
    private readonly handler: Handler<T>,
    options: QueueOptions,
  ) {
    this.nodeId = options.nodeId;
    this.now = options.now ?? Date.now;
    this.shardCount = Math.max(1, options.shards ?? 16);
    this.concurrency = Math.max(1, options.concurrency ?? 128);
    this.perHook = Math.max(1, Math.min(this.concurrency, options.perHookConcurrency ?? Math.ceil(this.concurrency * 0.75)));
    this.leaseSeconds = Math.max(1, Math.ceil(options.leaseSeconds ?? 30));
    this.scanIntervalMs = options.scanIntervalMs ?? 1000;
    this.stopGraceMs = options.stopGraceMs ?? 10_000;
    this.maxPending = options.maxPending ?? 100_000;
    this.sweepOnStart = options.sweepOnStart ?? true;
    // A sweep lists every key of the plugin (100k hooks: a hundred pages): rarely.
    this.sweepIntervalMs = options.sweepIntervalMs ?? Math.max(this.leaseSeconds * 3000, 6 * 3600_000);
    this.rosterCheckMs = options.rosterCheckMs ?? Math.max(this.leaseSeconds * 1000, 60_000);
    this.maxGroupJobs = Math.max(1, options.maxGroupJobs ?? 256);
    this.maxGroupBytes = Math.max(1, options.maxGroupBytes ?? 512 * 1024);
    this.sizeOf = options.sizeOf ?? ((payload) => JSON.stringify(payload).length);
    this.shards = new CasBatcher(api);
    this.roster = new CasBatcher(api);
    this.scheduler = new FairScheduler(this.perHook);
  }

  private shardKey(id: string): string {
    const h = createHash('sha1').update(id).digest();
    return SHARD_PREFIX + (h.readUInt32BE(0) % this.shardCount);
  }

  // ---- enqueue ----

  /** Stores the job; resolves once it is durable. A job due now starts on this node at once. */
  async enqueue(input: {id?: string; hook_id: string; payload: T; due?: number}): Promise<QueueRecord<T>> {
    if (this.pendingEstimate + this.ownedJobs >= this.maxPending) throw new QueueFullError(`the delivery queue holds ${this.pendingEstimate + this.ownedJobs} jobs; refusing more`);
    const now = this.now();
    const rec: QueueRecord<T> = {id: input.id ?? newId(), hook_id: input.hook_id, attempt: 0, due: input.due ?? now, created_at: now, payload: input.payload};
    if (rec.due > now) {
      await this.writeWaiting(rec);
      return rec;
    }
    return new Promise<QueueRecord<T>>((resolve, reject) => {
      this.waiters.push({rec, bytes: 0, resolve, reject});
      this.scheduleCommit();
    });
  }

  private scheduleCommit(): void {
    // One group on the wire at a time: what arrives meanwhile rides the next.
    if (this.commitScheduled || this.committing > 0) return;
    this.commitScheduled = true;
    setImmediate(() => {
      this.commitScheduled = false;
      void this.commitLoop();
    });
  }

  private async commitLoop(): Promise<void> {
    this.committing++;
    try {
      while (this.waiters.length) await this.commit(this.takeGroup());
    } finally {
      this.committing--;
    }
  }

  private takeGroup(): Waiter<T>[] {
    let bytes = 0;
    let n = 0;
    while (n < this.waiters.length && n < this.maxGroupJobs) {
      const w = this.waiters[n]!;
      // Estimated once, when first considered: measuring exactly would encode every payload twice.
      if (w.bytes === 0) w.bytes = this.sizeOf(w.rec.payload) + 160;
      if (n > 0 && bytes + w.bytes > this.maxGroupBytes) break;
      bytes += w.bytes;
      n++;
    }
    return this.waiters.splice(0, n);
  }

  private async commit(batch: Waiter<T>[]): Promise<void> {
    const now = this.now();
    const group: GroupRecord<T> = {v: 2, id: newId(), due: now, created_at: now, jobs: batch.map((w) => w.rec)};
    const lease = this.leaseValue();
    // Encoded and written on the next turn, once the jobs' first requests are on their way.
    const stored = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() =>
        Promise.all([
          this.api.kvSet(JOB_PREFIX + group.id, encodeJSON(group)),
          this.api.kvSetWithOptions(LEASE_PREFIX + group.id, lease, {atomic: true, oldValue: null, expireInSeconds: this.leaseSeconds}),
        ]),
      )
      .then(([, leased]) => {
        if (!leased) throw new Error('the lease of a new group was taken');
      });
    // Sending starts before the group is written: no other node can see it before its index
    // entry, which follows the record. An outcome is only recorded once the record is stored,
    // and enqueue only resolves then: a job the caller was told is queued is durable.
    const owned = this.adopt(group, lease, new Uint8Array(Math.ceil(group.jobs.length / 8)), stored);
    try {
      await stored;
    } catch (err) {
      this.forgetOwned(owned);
      void this.api.kvDelete(JOB_PREFIX + group.id).catch(() => undefined);
      for (const w of batch) w.reject(err);
      return;
    }
    // Without its index entry the group is still stored: retried at every scan (and a sweep finds it should this node stop first).
    await owned.indexed.catch((err: unknown) => {
      this.warn('indexing a new group failed; retrying', err, group.id);
      this.unindexed.set(group.id, [group.due, group.jobs[0]?.hook_id ?? '']);
    });
    for (const w of batch) w.resolve(w.rec);
  }

  /** A job due later: stored unleased, for whichever node's scan finds it due. */
  private async writeWaiting(rec: QueueRecord<T>): Promise<void> {
    const group: GroupRecord<T> = {v: 2, id: newId(), due: rec.due, created_at: this.now(), jobs: [rec]};
    await this.api.kvSet(JOB_PREFIX + group.id, encodeJSON(group));
    await this.index(group.id, group.due, rec.hook_id);
    this.known.set(group.id, group.due);
    this.pendingEstimate++;
  }

  // ---- lifecycle ----

  start(): void {
    if (this.running) return;
    this.running = true;
    this.timer = setInterval(() => void this.tick(), this.scanIntervalMs);
    this.timer.unref?.();
    this.renewTimer = setInterval(() => {
      void this.renewAll();
      void this.keepAlive();
    }, (this.leaseSeconds * 1000) / 3);
    this.renewTimer.unref?.();
    this.joining = this.join().catch((err: unknown) => this.warn('joining the roster of nodes failed', err));
    if (this.rosterCheckMs > 0) {
      this.rosterTimer = setInterval(() => this.checkRosterOnce(), this.rosterCheckMs);
      this.rosterTimer.unref?.();
    }
    if (this.sweepIntervalMs > 0) {
      this.sweepTimer = setInterval(() => this.sweepOnce(), this.sweepIntervalMs);
      this.sweepTimer.unref?.();
    }
    void this.tick();
    this.kick();
  }

  /** Stops taking jobs and waits up to the grace period for running sends. Unfinished ones keep their leases until expiry. */
  async stop(graceMs = this.stopGraceMs): Promise<void> {
    this.running = false;
    if (this.timer) clearInterval(this.timer);
    if (this.renewTimer) clearInterval(this.renewTimer);
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    if (this.rosterTimer) clearInterval(this.rosterTimer);
    this.timer = this.renewTimer = this.sweepTimer = this.rosterTimer = null;
    // Groups not started here go back to the cluster at once.
    this.scheduler.clear();
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled(this.inflight.toArray()), new Promise<void>((r) => (timeout = setTimeout(r, graceMs)))]);
    clearTimeout(timeout);
    const handOver: Promise<void>[] = [];
    for (const g of this.owned.values()) {
      // A group with a send still running keeps its lease until expiry: no one else may resend that job meanwhile.
      if (g.running > 0 || g.released) continue;
      g.released = true;
      this.owned.delete(g.id);
      this.ownedJobs -= g.size;
      // Released once written: a lease set after its release would hold the group until expiry.
      handOver.push(g.stored.then(() => this.settleCheckpoint(g)).then(() => this.release(g.id, g.lease)).catch((err: unknown) => this.warn('handing a group back failed', err, g.id)));
    }
    await Promise.all(handOver);
    await Promise.allSettled(this.background.toArray());
    // A stopping node must not keep jobs it will never finish: the rest lapse.
    for (const g of this.owned.values()) g.released = true;
    this.owned.clear();
    this.ownedJobs = 0;
    await this.leave();
  }

  /** One scan and claim round, waiting for the jobs it started (tests, manual driving). */
  async poll(): Promise<void> {
    await this.scan();
    await this.claimDue(true);
    this.fill(true);
    await Promise.allSettled(this.inflight.toArray());
    await Promise.allSettled(this.background.toArray());
  }

  get inFlight(): number {
    return this.inflight.size;
  }

  /** Ids of the queued groups in the index (waiting or being sent), across the cluster. */
  async pendingIds(): Promise<string[]> {
    return (await this.readShards()).map(([id]) => id);
  }

  private async tick(): Promise<void> {
    if (!this.running) return;
    try {
      if (this.unindexed.size > 0) await this.reindex();
      await this.scan();
      await this.claimDue(false);
      this.fill();
    } catch (err) {
      this.warn('queue scan failed', err);
    }
  }

  private kick(): void {
    if (!this.running || this.kicked) return;
    this.kicked = true;
    queueMicrotask(() => {
      this.kicked = false;
      this.fill();
    });
  }

  // ---- discovery and claiming ----

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
          this.known.clear();
          let foreign = 0;
          for (const [id, due] of entries) {
            if (this.owned.has(id)) continue;
            this.known.set(id, due);
            foreign++;
          }
          this.pendingEstimate = foreign;
        } while (this.rescan);
      } finally {
        this.scanning = null;
      }
    })();
    return this.scanning;
  }

  /** Claims due groups found by the scan while this node has room for more work. */
  private async claimDue(force: boolean): Promise<void> {
    if (!this.running && !force) return;
    const now = this.now();
    const due = [...this.known].filter(([id, at]) => at <= now && !this.owned.has(id) && !this.claiming.has(id)).sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1));
    for (let i = 0; i < due.length; ) {
      const room = this.concurrency * 2 - this.scheduler.size - this.claiming.size;
      if (room <= 0) break;
      const batch = due.slice(i, i + room);
      i += batch.length;
      await Promise.all(batch.map(([id]) => this.claim(id)));
    }
  }

  private async claim(id: string): Promise<void> {
    this.claiming.add(id);
    try {
      const lease = this.leaseValue();
      if (!(await this.api.kvSetWithOptions(LEASE_PREFIX + id, lease, {atomic: true, oldValue: null, expireInSeconds: this.leaseSeconds}))) {
        // Someone else is on it; the next scan tells whether it is still pending.
        this.known.delete(id);
        return;
      }
      const [raw, doneRaw] = await Promise.all([this.api.kvGet(JOB_PREFIX + id), this.api.kvGet(DONE_PREFIX + id)]);
      const group = toGroup<T>(decodeJSON<GroupRecord<T> | QueueRecord<T>>(raw));
      this.known.delete(id);
      if (!group) {
        // Finished elsewhere; its index entry is a leftover.
        await this.release(id, lease);
        await this.unindex(id);
        return;
      }
      if (group.due > this.now()) {
        await this.release(id, lease);
        await this.index(id, group.due, group.jobs[0]?.hook_id ?? '');
        this.known.set(id, group.due);
        return;
      }
      const done = new Uint8Array(Math.ceil(group.jobs.length / 8));
      if (doneRaw) done.set(Buffer.from(Buffer.from(doneRaw).toString('utf8'), 'base64').subarray(0, done.length));
      const owned = this.adopt(group, lease, done);
      if (owned.open === 0) await this.finish(owned);
    } catch (err) {
      this.warn('claiming a group failed', err, id);
    } finally {
      this.claiming.delete(id);
    }
  }

  /** Takes a leased group's unfinished jobs into the scheduler. */
  /** `stored`: for a group being written by this node, settles when its record and lease are. */
  private adopt(group: GroupRecord<T>, lease: Uint8Array, done: Uint8Array, stored?: Promise<void>): Owned {
    const fresh = stored !== undefined;
    const owned: Owned = {id: group.id, lease, size: group.jobs.length, done, open: 0, checkpointed: !fresh, failed: 0, running: 0, checkpoint: null, checkpointAgain: false, indexed: Promise.resolve(), stored: stored ?? Promise.resolve(), released: false};
    // Handled by commit(); the index entry only ever follows a stored record.
    owned.stored.catch(() => undefined);
    if (fresh) {
      owned.indexed = owned.stored.then(() => this.index(group.id, group.due, group.jobs[0]?.hook_id ?? ''));
      owned.indexed.catch(() => undefined);
    }
    group.jobs.forEach((rec, pos) => {
      if (isSet(done, pos)) return;
      owned.open++;
      this.scheduler.add(rec.hook_id, {group: owned, pos, rec});
    });
    this.owned.set(group.id, owned);
    this.ownedJobs += owned.size;
    this.kick();
    return owned;
  }

  // ---- running ----

  private fill(force = false): void {
    if (!this.running && !force) return;
    while (this.inflight.size < this.concurrency) {
      const next = this.scheduler.take();
      if (!next) break;
      const {hook, job} = next;
      if (job.group.released) {
        // Its lease is gone (lost, or handed back): the job is someone else's now.
        this.scheduler.done(hook);
        continue;
      }
      job.group.running++;
      const slot = this.inflight.add(
        this.run(job).finally(() => {
          this.inflight.delete(slot);
          this.scheduler.done(hook);
          this.kick();
        }),
      );
    }
  }

  private async run(e: Entry<T>): Promise<void> {
    const g = e.group;
    let result: HandlerResult | null = null;
    try {
      result = await this.handler(e.rec);
    } catch (err) {
      this.warn('delivery handler failed; the job will be retried once its group is taken over', err, e.rec.id);
    }
    let recorded = false;
    if (result) {
      try {
        await g.stored;
        // A retry is stored before this attempt counts as finished: a crash in between sends it again, never loses it.
        if (result.kind === 'retry') await this.writeWaiting({...e.rec, attempt: e.rec.attempt + 1, due: result.due});
        setBit(g.done, e.pos);
        g.open--;
        try {
          if (g.open === 0) await this.finish(g);
          else await this.storeCheckpoint(g);
        } catch (err) {
          g.open++;
          clearBit(g.done, e.pos);
          throw err;
        }
        recorded = true;
      } catch (err) {
        this.warn('recording a job outcome failed', err, e.rec.id);
      }
    }
    g.running--;
    if (!recorded) g.failed++;
    // Jobs whose outcome is not stored keep the group open; once nothing else of it is
    // left here, its lease lapses, which doubles as a back-off before the next claim.
    if (g.failed > 0 && g.running === 0 && g.open === g.failed) {
      await this.settleCheckpoint(g);
      this.forgetOwned(g);
    }
    if (!recorded || !result) return;
    if (g.released && g.open > 0 && this.running) {
      this.api.logWarn('Hookbridge delivery queue: the lease of a group ran out while this node was sending; its outcome may be repeated', {job_id: e.rec.id, node: this.nodeId});
    }
    // What follows (log, reply posts) is local work: it runs outside the job's send slot.
    const after = result.after;
    if (after) {
      trackUntilSettled(
        this.background,
        after().catch((err: unknown) => this.warn('running what follows a job failed', err, e.rec.id)),
      );
    }
  }

  /** Writes the finished-jobs bitset; concurrent completions share one write. */
  private storeCheckpoint(g: Owned): Promise<void> {
    if (g.checkpoint) {
      // The write in progress may predate this bit: the loop below writes once more.
      g.checkpointAgain = true;
      return g.checkpoint;
    }
    const write = async (): Promise<void> => {
      try {
        // Completions of the same moment share the write.
        await new Promise<void>((r) => setImmediate(r));
        do {
          g.checkpointAgain = false;
          g.checkpointed = true;
          await this.api.kvSetWithOptions(DONE_PREFIX + g.id, Buffer.from(Buffer.from(g.done).toString('base64')), {expireInSeconds: 7 * 24 * 3600});
        } while (g.checkpointAgain);
      } finally {
        g.checkpoint = null;
      }
    };
    g.checkpoint = write();
    return g.checkpoint;
  }

  private async settleCheckpoint(g: Owned): Promise<void> {
    while (g.checkpoint) await g.checkpoint.catch(() => undefined);
  }

  /** Every job of the group is finished: the group goes. */
  private async finish(g: Owned): Promise<void> {
    await this.settleCheckpoint(g);
    // Deleting the record is what makes the last outcomes durable.
    await this.api.kvDelete(JOB_PREFIX + g.id);
    this.forgetOwned(g);
    const cleanup = Promise.all([
      g.checkpointed ? this.api.kvDelete(DONE_PREFIX + g.id) : undefined,
      this.release(g.id, g.lease),
      g.indexed.catch(() => undefined).then(() => this.unindex(g.id)),
    ])
      .then(() => undefined)
      .catch((err: unknown) => this.warn('cleaning up a finished group failed', err, g.id));
    trackUntilSettled(this.background, cleanup);
  }

  private forgetOwned(g: Owned): void {
    if (g.released) return;
    g.released = true;
    if (this.owned.get(g.id) === g) {
      this.owned.delete(g.id);
      this.ownedJobs -= g.size;
    }
  }

  private async renewAll(): Promise<void> {
    await Promise.all(
      [...this.owned.values()].map(async (g) => {
        // A group still being written has no lease in the store yet (and a fresh one needs no renewal).
        if (!(await g.stored.then(() => true, () => false)) || g.released) return;
        const next = this.leaseValue();
        try {
          const ok = await this.api.kvSetWithOptions(LEASE_PREFIX + g.id, next, {atomic: true, oldValue: g.lease, expireInSeconds: this.leaseSeconds});
          if (ok) g.lease = next;
          else {
            this.api.logWarn('Hookbridge delivery queue: lost the lease of a group; another node may send its jobs too', {job_id: g.id, node: this.nodeId});
            this.forgetOwned(g);
          }
        } catch (err) {
          this.warn('renewing a lease failed', err, g.id);
        }
      }),
    );
  }

  private leaseValue(): Uint8Array {
    return encodeJSON({node: this.nodeId, token: newId(), at: this.now()});
  }

  private async release(id: string, lease: Uint8Array): Promise<void> {
    await this.api.kvSetWithOptions(LEASE_PREFIX + id, null, {atomic: true, oldValue: lease});
  }

  private index(id: string, due: number, hook: string): Promise<void> {
    return this.shards.update(this.shardKey(id), (list) => [...(list ?? []).filter(([e]) => e !== id), [id, due, hook]]);
  }

  private unindex(id: string): Promise<void> {
    return this.shards.update(this.shardKey(id), (list) => {
      const next = (list ?? []).filter(([e]) => e !== id);
      return next.length ? next : null;
    });
  }

  // ---- roster of running nodes ----

  private aliveSeconds(): number {
    return this.leaseSeconds * 3;
  }

  private keepAlive(): Promise<void> {
    return this.api
      .kvSetWithOptions(ALIVE_PREFIX + this.nodeId, encodeJSON({at: this.now()}), {expireInSeconds: this.aliveSeconds()})
      .then(() => undefined)
      .catch((err: unknown) => this.warn('renewing this node\'s presence failed', err));
  }

  /** Changes the roster; resolves to whether there was one (as last read). */
  private async changeRoster(change: (ids: string[]) => string[]): Promise<boolean> {
    let existed = false;
    await this.roster.update(ROSTER_KEY, (ids) => {
      existed = ids !== null;
      // Kept when empty: a missing roster means a cluster that never kept one (see join).
      return change(rosterIds(ids));
    });
    return existed;
  }

  /** Puts this node on the roster; whether there was one. */
  private enrol(): Promise<boolean> {
    return this.changeRoster((ids) => (ids.includes(this.nodeId) ? ids : [...ids, this.nodeId]));
  }

  /** Announces this node; a cluster without a roster yet (no node kept one before) is swept once. */
  private async join(): Promise<void> {
    this.joined = true;
    await this.keepAlive();
    const existed = await this.enrol();
    if (!existed && this.sweepOnStart) this.sweepOnce();
    else this.checkRosterOnce();
  }

  /**
   * A clean stop: strikes this node off, unless a group of it is still
   * without its index entry (then it is left for the next node's check to
   * treat as a stop that was not clean, which sweeps).
   */
  private async leave(): Promise<void> {
    if (!this.joined) return;
    this.joined = false;
    // A check or sweep still running is not waited for: it never strikes off this node.
    await this.joining;
    try {
      if (this.unindexed.size > 0) await this.reindex();
      await this.api.kvDelete(ALIVE_PREFIX + this.nodeId);
      if (this.unindexed.size === 0) await this.changeRoster((ids) => ids.filter((id) => id !== this.nodeId));
    } catch (err) {
      this.warn('leaving the roster of nodes failed', err);
    }
  }

  private checkRosterOnce(): void {
    if (this.checkingRoster || !this.running) return;
    this.checkingRoster = this.checkRoster()
      .catch((err: unknown) => this.warn('checking the roster of nodes failed', err))
      .finally(() => {
        this.checkingRoster = null;
      });
  }

  /**
   * Sweeps if a node in the roster is no longer alive (it stopped without
   * leaving, so it may have left a group without its index entry), then
   * strikes it off. One node at a time sweeps for it; if the sweep had to
   * pass over an unleased group too young to tell, the node stays on the
   * roster and the next check sweeps again.
   */
  private async checkRoster(): Promise<void> {
    const named = rosterIds(await this.roster.read(ROSTER_KEY));
    // Struck off by a node that could not see this one's presence (its write failed): back on.
    if (this.joined && !named.includes(this.nodeId)) await this.enrol();
    const others = named.filter((id) => id !== this.nodeId);
    if (others.length === 0) return;
    const present = await Promise.all(others.map((id) => this.api.kvGet(ALIVE_PREFIX + id)));
    const gone = others.filter((_, i) => present[i] === null);
    if (gone.length === 0) return;
    const lock = encodeJSON({node: this.nodeId, at: this.now()});
    const lockSeconds = Math.max(1, Math.ceil(Math.max(this.rosterCheckMs, 1000) / 1000));
    if (!(await this.api.kvSetWithOptions(DEAD_SWEEP_KEY, lock, {atomic: true, oldValue: null, expireInSeconds: lockSeconds}))) return;
    try {
      const {passedOver} = await this.sweep();
      if (passedOver === 0) await this.changeRoster((list) => list.filter((id) => !gone.includes(id)));
    } finally {
      await this.api.kvSetWithOptions(DEAD_SWEEP_KEY, null, {atomic: true, oldValue: lock}).catch(() => undefined);
    }
  }

  /** Writes the index entries that failed when their groups were stored. */
  private async reindex(): Promise<void> {
    for (const [id, [due, hookId]] of [...this.unindexed]) {
      await this.index(id, due, hookId);
      this.unindexed.delete(id);
    }
  }

  private sweepOnce(): void {
    if (this.sweeping) return;
    this.sweeping = this.takeSweep()
      .then(async (mine) => {
        if (mine) await this.sweep();
      })
      .catch((err: unknown) => this.warn('orphan sweep failed', err))
      .finally(() => {
        this.sweeping = null;
      });
  }

  /**
   * Whether this node makes this interval's sweep: the first to set dq_sweep,
   * which lapses a tenth of an interval early so the next one finds it gone.
   * Without periodic sweeps (sweepIntervalMs 0), a start sweeps on its own.
   */
  private async takeSweep(): Promise<boolean> {
    if (this.sweepIntervalMs <= 0) return true;
    const expireInSeconds = Math.max(1, Math.floor((this.sweepIntervalMs * 0.9) / 1000));
    return this.api.kvSetWithOptions(SWEEP_KEY, encodeJSON({node: this.nodeId, at: this.now()}), {atomic: true, oldValue: null, expireInSeconds});
  }

  /**
   * Indexes group records that have no index entry (their enqueue died between
   * the two writes). Returns how many such groups it passed over as too young
   * to tell from one still being written.
   */
  private async sweep(): Promise<{passedOver: number}> {
    const indexed = new Set(await this.pendingIds());
    const orphans: string[] = [];
    for (let page = 0; ; page++) {
      const keys = await this.api.kvList(page, 1000);
      for (const k of keys) if (k.startsWith(JOB_PREFIX) && !indexed.has(k.slice(JOB_PREFIX.length))) orphans.push(k.slice(JOB_PREFIX.length));
      if (keys.length < 1000) break;
    }
    let fixed = 0;
    let passedOver = 0;
    // A record younger than two lease periods may still be mid-enqueue on a live node,
    // and one under a lease has an owner that will index or finish it.
    const young = this.now() - this.leaseSeconds * 2000;
    for (const id of orphans) {
      if (this.owned.has(id) || this.claiming.has(id)) continue;
      const group = toGroup<T>(decodeJSON<GroupRecord<T> | QueueRecord<T>>(await this.api.kvGet(JOB_PREFIX + id)));
      if (!group || (await this.api.kvGet(LEASE_PREFIX + id)) !== null) continue;
      if (group.created_at > young) {
        passedOver++;
        continue;
      }
      await this.index(id, group.due, group.jobs[0]?.hook_id ?? '');
      this.known.set(id, group.due);
      fixed++;
    }
    if (fixed) {
      this.api.logInfo('Hookbridge delivery queue: re-indexed jobs left by an interrupted enqueue', {count: fixed});
      void this.tick();
    }
    return {passedOver};
  }

  private warn(what: string, err: unknown, jobId?: string): void {
    this.api.logWarn(`Hookbridge delivery queue: ${what}`, {node: this.nodeId, ...(jobId ? {job_id: jobId} : {}), error: err instanceof Error ? err.message : String(err)});
  }
}

/** The node ids of a roster as stored (anything unreadable counts as none). */
function rosterIds(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((id): id is string => typeof id === 'string') : [];
}

/** A stored record as a group; single-job records of older versions are groups of one. */
function toGroup<T>(value: GroupRecord<T> | QueueRecord<T> | null): GroupRecord<T> | null {
  if (!value || typeof value !== 'object') return null;
  if ('jobs' in value && Array.isArray(value.jobs)) return value;
  const rec = value as QueueRecord<T>;
  if (typeof rec.id !== 'string' || typeof rec.hook_id !== 'string') return null;
  return {v: 2, id: rec.id, due: rec.due, created_at: rec.created_at, jobs: [rec]};
}

function isSet(bits: Uint8Array, pos: number): boolean {
  return ((bits[pos >> 3] ?? 0) & (1 << (pos & 7))) !== 0;
}

function setBit(bits: Uint8Array, pos: number): void {
  bits[pos >> 3]! |= 1 << (pos & 7);
}

function clearBit(bits: Uint8Array, pos: number): void {
  bits[pos >> 3]! &= ~(1 << (pos & 7));
}
