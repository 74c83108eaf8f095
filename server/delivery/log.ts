// The per-hook delivery log, its hourly statistics, and live updates.
//
// KV layout:
//   dl_<deliveryId>          the delivery record (JSON): what the webapp shows,
//                            plus what a replay needs (never sent to clients)
//   dlx_<hookId>             [[deliveryId, created_at], …] newest first, at most
//                            maxPerHook; records that fall off are deleted
//   ds_<hookId>_<hour>       HourStats for that hour (hour = ms / 3 600 000),
//                            expiring after a day and a bit
// Bodies are kept up to maxBodyBytes each; request header values that
// authenticate are redacted. Status changes are published to each team as one
// `delivery` WebSocket event (custom_hookbridge_delivery for clients):
// {deliveries: [summary without bodies, with its hook_id, …]}, the latest state
// of each delivery that changed since the last event, at most 50 per hook.
//
// Writing is cheap on purpose, since every delivery passes here: this node keeps
// the records it is working on in memory and writes each with one plain set (only
// the node holding a delivery's lease writes it), once it has an outcome, or
// after pendingWriteMs if it is still pending then. The per-hook index, the
// statistics and the events are written behind, every flushMs, one
// compare-and-set round per key for everything that accumulated. Reads on this
// node see what is not written yet. A crash loses at most flushMs of index
// entries and statistics; a delivery the queue sends again after a crash is
// logged again from its job (recordAttempt's rebuild).

import {AppError, type PluginAPI} from '../mattermost/api.js';
import {CasBatcher, decodeJSON, encodeJSON} from './kv.js';
import {redactHeaders, redactUrl, storeBody} from './redact.js';
import {addSample, HOUR_MS, toBucket, type HourStats} from './stats.js';
import type {Delivery, DeliveryAttempt, DeliveryEventName, DeliveryHook, DeliveryPost, HookStats, OutgoingJob} from './types.js';

export const LOG_RECORD_PREFIX = 'dl_';
export const LOG_INDEX_PREFIX = 'dlx_';
export const STATS_PREFIX = 'ds_';
const STATS_TTL_SECONDS = 26 * 3600;
const MAX_ATTEMPTS_KEPT = 20;
const REMEMBERED_KEYS = 1024;
/** Hooks whose index is written at the same time: the rest wait, so a flush never holds the event loop for long. */
const FLUSH_PARALLEL_HOOKS = 8;
/** Deliveries per WebSocket event and hook: a page shows 50. */
const EVENT_DELIVERIES_PER_HOOK = 50;

/** What a replay needs; stays on the server. */
export interface ReplaySource {
  url: string;
  content_type: string;
  headers: Record<string, string>;
  event: DeliveryEventName;
  post: DeliveryPost;
  /** The hook as it was, without its secrets. */
  hook: DeliveryHook;
  /** The exact body, when request.body is not (cut or not UTF-8); null when too large to keep. */
  body_b64?: string | null;
}

export interface StoredDelivery extends Delivery {
  team_id: string;
  source?: ReplaySource;
}

export interface LogOptions {
  /** Writes behind (index, statistics, events) at most this often, ms (default 250). */
  flushMs?: number;
  /** A delivery still pending after this long gets its record written, ms (default 1000). */
  pendingWriteMs?: number;
  maxPerHook?: number;
  maxBodyBytes?: number;
  /** Largest body kept for replay when the shown body is cut. */
  maxReplayBytes?: number;
}

type IndexEntry = [id: string, createdAt: number];

/** What create() takes; also what recordAttempt() rebuilds a lost record from. */
export interface CreateInput {
  id: string;
  job: OutgoingJob;
  headers: Record<string, string>;
  createdAt: number;
  replayOf?: string;
}

export type AttemptUpdate = {
  status: Delivery['status'];
  attempt: number;
  at: number;
  requestHeaders?: Record<string, string>;
  response?: {status: number; headers: Record<string, string>; body: Uint8Array; latencyMs: number};
  error?: string;
  nextAttemptAt?: number;
};

interface Live {
  rec: StoredDelivery;
  /** Whether the record is in the KV store in some state. */
  written: boolean;
  /** It fell off its hook's log: never write it again. */
  dropped: boolean;
}

export class DeliveryLog {
  readonly maxPerHook: number;
  readonly maxBodyBytes: number;
  readonly maxReplayBytes: number;
  private readonly flushMs: number;
  private readonly pendingWriteMs: number;
  private readonly index: CasBatcher<IndexEntry[]>;
  private readonly statsKV: CasBatcher<HourStats>;

  /** Records this node is working on, by delivery id. */
  private readonly live = new Map<string, Live>();
  /** Index entries not written yet, by hook. */
  private readonly indexAdds = new Map<string, IndexEntry[]>();
  /** Settles when the delivery's index entry is written: a record is never stored before it. */
  private readonly indexed = new Map<string, Deferred>();
  /** Statistics not written yet, by KV key. */
  private readonly statsAdds = new Map<string, HourStats>();
  /** Summaries not published yet, by hook. */
  private readonly events = new Map<string, {teamId: string; byId: Map<string, Delivery>}>();
  /** Pending records not written yet, oldest first. */
  private readonly unwritten = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  /** Record writes on their way. */
  private readonly writes = new Set<Promise<void>>();

  constructor(
    private readonly api: PluginAPI,
    options: LogOptions = {},
  ) {
    this.maxPerHook = options.maxPerHook ?? 200;
    this.maxBodyBytes = options.maxBodyBytes ?? 64 * 1024;
    this.maxReplayBytes = options.maxReplayBytes ?? 1024 * 1024;
    this.flushMs = options.flushMs ?? 250;
    this.pendingWriteMs = options.pendingWriteMs ?? 1000;
    // Each hook's index and statistics are mostly written by the node delivering for it:
    // what it wrote last is the expected value of its next write, with no read in between.
    this.index = new CasBatcher(api, {remember: REMEMBERED_KEYS});
    this.statsKV = new CasBatcher(api, {expireInSeconds: () => STATS_TTL_SECONDS, remember: REMEMBERED_KEYS});
  }

  /** Records a new pending delivery and lists it first in its hook's log. */
  async create(input: CreateInput): Promise<Delivery> {
    const record = this.build(input);
    this.live.set(record.id, {rec: record, written: false, dropped: false});
    this.unwritten.set(record.id, Date.now());
    this.listInIndex(record);
    this.changed(record);
    return publicView(record);
  }

  /** Records one attempt's outcome; no-op when the record already fell off the log (and cannot be rebuilt). */
  async recordAttempt(id: string, update: AttemptUpdate, rebuild?: () => CreateInput): Promise<Delivery | null> {
    let entry = this.live.get(id);
    if (!entry) {
      const stored = await this.record(id);
      if (stored) entry = {rec: stored, written: true, dropped: false};
      else if (rebuild) {
        // Queued before a crash that took its record along: log it again.
        const rec = this.build(rebuild());
        entry = {rec, written: false, dropped: false};
        this.listInIndex(rec);
      } else return null;
      this.live.set(id, entry);
    }
    if (entry.dropped) {
      this.live.delete(id);
      return null;
    }
    const rec = entry.rec;
    applyAttempt(rec, update, this.maxBodyBytes);
    this.unwritten.delete(id);
    this.changed(rec);
    const write = this.store(id, entry);
    // A final outcome is written behind, off the sender's path; a delivery that will be
    // tried again is written now, since its next attempt may run on another node.
    if (update.status === 'retrying') {
      if (this.indexAdds.has(rec.hook_id)) void this.flushIndexOf(rec.hook_id).catch(() => undefined);
      await write;
    }
    return publicView(rec);
  }

  /** Writes a record once its index entry is written, then leaves it to the KV store. */
  private store(id: string, entry: Live): Promise<void> {
    // Listed first, then stored: a crash in between leaves an entry without a record
    // (which list() skips), never a record that nothing lists and nothing deletes.
    const listed = this.indexed.get(id)?.promise ?? Promise.resolve();
    const write: Promise<void> = listed
      .then(async () => {
        if (entry.dropped) return;
        await this.api.kvSet(LOG_RECORD_PREFIX + id, encodeJSON(entry.rec));
        entry.written = true;
      })
      .finally(() => {
        // Another attempt may run on another node: the KV store is the truth from here.
        if (this.live.get(id) === entry) this.live.delete(id);
        this.writes.delete(write);
      });
    this.writes.add(write);
    write.catch((err: unknown) => this.api.logWarn('Hookbridge: writing a delivery record failed', {delivery_id: id, error: err instanceof Error ? err.message : String(err)}));
    if (this.indexAdds.has(entry.rec.hook_id)) this.schedule();
    return write;
  }

  async record(id: string): Promise<StoredDelivery | null> {
    const live = this.live.get(id);
    if (live && !live.dropped) return live.rec;
    return decodeJSON<StoredDelivery>(await this.api.kvGet(LOG_RECORD_PREFIX + id));
  }

  async get(id: string): Promise<Delivery | null> {
    const rec = await this.record(id);
    return rec ? publicView(rec) : null;
  }

  /** Newest first; summaries without request and response. */
  async list(hookId: string, page: number, perPage: number): Promise<Delivery[]> {
    const p = Math.max(0, Math.floor(page) || 0);
    const n = Math.min(Math.max(1, Math.floor(perPage) || 50), this.maxPerHook);
    const stored = decodeJSON<IndexEntry[]>(await this.api.kvGet(LOG_INDEX_PREFIX + hookId)) ?? [];
    const ids = mergeEntries(stored, this.indexAdds.get(hookId) ?? [], this.maxPerHook).entries.slice(p * n, (p + 1) * n).map(([id]) => id);
    const recs = await Promise.all(ids.map((id) => this.record(id)));
    return recs.filter((r): r is StoredDelivery => r !== null).map(summaryView);
  }

  /** Counts a finished delivery in its hour. */
  async count(hookId: string, ok: boolean, latencyMs: number | undefined, at: number): Promise<void> {
    const key = `${STATS_PREFIX}${hookId}_${Math.floor(at / HOUR_MS)}`;
    this.statsAdds.set(key, addSample(this.statsAdds.get(key) ?? null, ok, latencyMs));
    this.schedule();
  }

  /** The last 24 hours, oldest first, one bucket per hour (the current one included). */
  async stats(hookId: string, nowMs: number): Promise<HookStats> {
    const current = Math.floor(nowMs / HOUR_MS);
    const hours = Array.from({length: 24}, (_, i) => current - 23 + i);
    const values = await Promise.all(
      hours.map(async (h) => {
        const key = `${STATS_PREFIX}${hookId}_${h}`;
        const stored = decodeJSON<HourStats>(await this.api.kvGet(key));
        const unflushed = this.statsAdds.get(key);
        return unflushed ? mergeStats(stored, unflushed) : stored;
      }),
    );
    return {buckets: hours.map((h, i) => toBucket(h * HOUR_MS, values[i] ?? null))};
  }

  /** Deletes a hook's log and statistics (after the hook is deleted). */
  async forget(hookId: string, nowMs: number): Promise<void> {
    this.indexAdds.delete(hookId);
    this.events.delete(hookId);
    for (const key of [...this.statsAdds.keys()]) if (key.startsWith(`${STATS_PREFIX}${hookId}_`)) this.statsAdds.delete(key);
    for (const [id, e] of this.live) {
      if (e.rec.hook_id !== hookId) continue;
      e.dropped = true;
      this.unwritten.delete(id);
      this.indexed.get(id)?.resolve();
      this.indexed.delete(id);
    }
    await this.flushing?.catch(() => undefined);
    const ids = (decodeJSON<IndexEntry[]>(await this.api.kvGet(LOG_INDEX_PREFIX + hookId)) ?? []).map(([id]) => id);
    await Promise.all(ids.map((id) => this.api.kvDelete(LOG_RECORD_PREFIX + id)));
    await this.api.kvDelete(LOG_INDEX_PREFIX + hookId);
    this.index.forget(LOG_INDEX_PREFIX + hookId);
    const current = Math.floor(nowMs / HOUR_MS);
    await Promise.all(
      Array.from({length: 27}, async (_, i) => {
        const key = `${STATS_PREFIX}${hookId}_${current - 26 + i}`;
        await this.api.kvDelete(key);
        this.statsKV.forget(key);
      }),
    );
  }

  /** Writes everything held back: index entries, statistics, long-pending records, events. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const run = (this.flushing ?? Promise.resolve()).then(async () => {
      // Only writes already waiting: each waits for an index entry this round writes (or
      // an earlier one wrote). A later write may wait for the next round, which waits for this one.
      const writes = [...this.writes];
      await this.flushNow();
      await Promise.allSettled(writes);
    });
    const mine: Promise<void> = run.finally(() => {
      if (this.flushing === mine) this.flushing = null;
    });
    this.flushing = mine;
    return mine;
  }

  // ---- behind the scenes ----

  private build(input: CreateInput): StoredDelivery {
    const {job} = input;
    const body = storeBody(job.body, this.maxBodyBytes);
    const {signing_secret: _s, previous_secret: _p, previous_secret_expires_at: _e, ...hook} = job.hook;
    const source: ReplaySource = {url: job.url, content_type: job.contentType, headers: job.headers, event: job.event, post: job.post, hook};
    if (!body.exact) source.body_b64 = job.body.length <= this.maxReplayBytes ? Buffer.from(job.body).toString('base64') : null;
    return {
      id: input.id,
      hook_id: job.hook.id,
      team_id: job.hook.team_id,
      post_id: job.post.Id ?? '',
      event: job.event,
      attempt: 0,
      status: 'pending',
      created_at: input.createdAt,
      request: {url: redactUrl(job.url), headers: redactHeaders(input.headers), body: body.text},
      attempts: [],
      ...(input.replayOf ? {replay_of: input.replayOf} : {}),
      source,
    };
  }

  private listInIndex(rec: StoredDelivery): void {
    const adds = this.indexAdds.get(rec.hook_id) ?? [];
    adds.push([rec.id, rec.created_at]);
    this.indexAdds.set(rec.hook_id, adds);
    if (!this.indexed.has(rec.id)) this.indexed.set(rec.id, deferred());
    this.schedule();
  }

  /** Writes the index entries of one hook that are waiting; concurrent calls share CAS rounds. */
  private async flushIndexOf(hookId: string): Promise<void> {
    const entries = this.indexAdds.get(hookId);
    if (!entries) return;
    this.indexAdds.delete(hookId);
    const dropped: string[] = [];
    let early: string[] = [];
    try {
      // Records that will fall off go first: a crash midway then leaves entries
      // without records (skipped when listing), never records nothing lists.
      const current = (await this.index.read(LOG_INDEX_PREFIX + hookId)) ?? [];
      early = mergeEntries(current, entries, this.maxPerHook).dropped;
      await this.deleteDropped(early);
      await this.index.update(LOG_INDEX_PREFIX + hookId, (list) => {
        const merged = mergeEntries(list ?? [], entries, this.maxPerHook);
        dropped.length = 0;
        dropped.push(...merged.dropped);
        return merged.entries;
      });
    } catch (err) {
      // Tried again with the next flush; their records wait for it.
      const again = this.indexAdds.get(hookId) ?? [];
      this.indexAdds.set(hookId, [...entries, ...again]);
      this.schedule();
      throw err;
    }
    for (const [id] of entries) {
      this.indexed.get(id)?.resolve();
      this.indexed.delete(id);
    }
    // The list may have moved on since it was read: whatever else fell off goes now.
    const gone = new Set(early);
    await this.deleteDropped(dropped.filter((id) => !gone.has(id)));
  }

  private async deleteDropped(ids: string[]): Promise<void> {
    const stored: string[] = [];
    for (const id of ids) {
      const e = this.live.get(id);
      if (e) e.dropped = true;
      if (!e || e.written) stored.push(id);
    }
    await Promise.all(stored.map((id) => this.api.kvDelete(LOG_RECORD_PREFIX + id)));
  }

  private changed(rec: StoredDelivery): void {
    let e = this.events.get(rec.hook_id);
    if (!e) this.events.set(rec.hook_id, (e = {teamId: rec.team_id, byId: new Map()}));
    e.byId.delete(rec.id);
    e.byId.set(rec.id, summaryView(rec));
    this.schedule();
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush().catch((err: unknown) => this.api.logWarn('Hookbridge: writing the delivery log failed', {error: err instanceof Error ? err.message : String(err)}));
    }, this.flushMs);
    this.timer.unref?.();
  }

  private async flushNow(): Promise<void> {
    const work: Promise<unknown>[] = [];
    // Deliveries pending for a while get their record, so other nodes can show them.
    const due = Date.now() - this.pendingWriteMs;
    for (const [id, since] of this.unwritten) {
      if (since > due) break;
      this.unwritten.delete(id);
      const e = this.live.get(id);
      if (!e || e.dropped || e.written) continue;
      e.written = true;
      const listed = this.indexed.get(id)?.promise ?? Promise.resolve();
      work.push(listed.then(() => (e.dropped ? undefined : this.api.kvSet(LOG_RECORD_PREFIX + id, encodeJSON(e.rec)))));
    }
    if (this.unwritten.size) this.schedule();

    // One event per team for everything that changed: a client applies each delivery to its hook.
    const byTeam = new Map<string, Delivery[]>();
    for (const e of this.events.values()) {
      const list = byTeam.get(e.teamId) ?? [];
      // Older changes of the same moment would be overwritten on screen anyway.
      for (const d of [...e.byId.values()].slice(-EVENT_DELIVERIES_PER_HOOK)) list.push(d);
      byTeam.set(e.teamId, list);
    }
    this.events.clear();
    for (const [teamId, deliveries] of byTeam) {
      work.push(
        this.api.publishWebSocketEvent('delivery', {deliveries: plain(deliveries)}, {TeamId: teamId}).catch((err: unknown) => {
          this.api.logWarn('Hookbridge: could not publish delivery updates', {team_id: teamId, error: err instanceof Error ? err.message : String(err)});
        }),
      );
    }

    const hooks = [...this.indexAdds.keys()];
    const stats = [...this.statsAdds];
    this.statsAdds.clear();
    work.push(
      eachLimited(hooks, FLUSH_PARALLEL_HOOKS, (hookId) => this.flushIndexOf(hookId)),
      eachLimited(stats, FLUSH_PARALLEL_HOOKS, ([key, delta]) => this.statsKV.update(key, (s) => mergeStats(s, delta))),
    );
    const results = await Promise.allSettled(work);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return {promise, resolve};
}

/** The index after adding entries: newest first, at most `max`, and what fell off. */
function mergeEntries(list: IndexEntry[], adds: IndexEntry[], max: number): {entries: IndexEntry[]; dropped: string[]} {
  const fresh = new Set(adds.map(([id]) => id));
  const next = [...list.filter(([id]) => !fresh.has(id)), ...adds];
  next.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? 1 : a[0] > b[0] ? -1 : 0));
  return {entries: next.slice(0, max), dropped: next.slice(max).map(([id]) => id)};
}

function mergeStats(stored: HourStats | null, delta: HourStats): HourStats {
  const s: HourStats = stored ?? {total: 0, ok: 0, failed: 0, bins: {}};
  s.total += delta.total;
  s.ok += delta.ok;
  s.failed += delta.failed;
  for (const [b, n] of Object.entries(delta.bins)) s.bins[b] = (s.bins[b] ?? 0) + n;
  return s;
}

function applyAttempt(rec: StoredDelivery, update: AttemptUpdate, maxBodyBytes: number): void {
  const entry: DeliveryAttempt = {attempt: update.attempt, at: update.at};
  rec.attempt = update.attempt;
  rec.status = update.status;
  if (update.requestHeaders && rec.request) rec.request.headers = redactHeaders(update.requestHeaders);
  if (update.response) {
    rec.response_status = entry.response_status = update.response.status;
    rec.latency_ms = entry.latency_ms = Math.round(update.response.latencyMs);
    rec.response = {headers: redactHeaders(update.response.headers), body: storeBody(update.response.body, maxBodyBytes).text};
  } else {
    delete rec.response_status;
    delete rec.response;
    delete rec.latency_ms;
  }
  if (update.error) rec.error = entry.error = update.error;
  else delete rec.error;
  if (update.nextAttemptAt !== undefined) rec.next_attempt_at = update.nextAttemptAt;
  else delete rec.next_attempt_at;
  if (update.status === 'succeeded' || update.status === 'failed') rec.completed_at = update.at;
  // A crashed node may repeat an attempt: replace, do not append, the same number.
  const attempts = (rec.attempts ?? []).filter((a) => a.attempt !== update.attempt);
  attempts.push(entry);
  rec.attempts = attempts.slice(-MAX_ATTEMPTS_KEPT);
}

export class DeliveryNotFoundError extends AppError {
  constructor(id: string) {
    super({id: 'hookbridge.delivery.not_found', message: `Delivery ${id} not found.`, statusCode: 404, where: 'DeliveryLog'});
  }
}

/** Removes undefined values, which the plugin RPC cannot carry. */
function plain<T>(value: T): unknown {
  return JSON.parse(JSON.stringify(value)) as unknown;
}

/** Runs `fn` on every item, at most `limit` at a time; rejects with the first failure once all have run. */
async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  let failure: {err: unknown} | null = null;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (err) {
        failure ??= {err};
      }
    }
  };
  await Promise.all(Array.from({length: Math.min(limit, items.length)}, worker));
  if (failure) throw (failure as {err: unknown}).err;
}

function publicView(rec: StoredDelivery): Delivery {
  const {source: _source, team_id: _team, ...rest} = rec;
  return rest;
}

function summaryView(rec: StoredDelivery): Delivery {
  const {request: _req, response: _res, ...rest} = publicView(rec);
  return rest;
}
