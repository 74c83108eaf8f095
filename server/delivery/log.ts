// The per-hook delivery log, its hourly statistics, and live updates.
//
// KV layout:
//   dlp_<pageId>             {hook_id, records: {slot: record}}: the records of
//                            one hook's deliveries created on one node between
//                            two flushes (at most 64), written together once
//                            they are settled (or pendingWriteMs after the page
//                            opened). A paged delivery's id is pageId + slot.
//   dl_<deliveryId>          a record stored on its own: one that is tried
//                            again (its next attempt may run on another node),
//                            still pending when its page was written, rebuilt
//                            after a crash, or from an older version. Read
//                            before the page: it is the later state.
//   dlx_<hookId>             [[deliveryId, created_at, 1 if on its own], …]
//                            newest first, at most maxPerHook, stored in
//                            columns (log-index.ts). Entries that fall
//                            off take their own records along, and a page once
//                            none of its entries is left.
//   ds_<hookId>_<hour>       HourStats for that hour (hour = ms / 3 600 000),
//                            expiring after a day and a bit
// A record is what the webapp shows plus what a replay needs (never sent to clients).
// Bodies are kept up to maxBodyBytes each; request header values that
// authenticate are redacted. Status changes are published only to the users who
// have the hook's log open (watchers.ts), one `delivery` WebSocket event per user
// (custom_hookbridge_delivery for clients): {deliveries: JSON of [summary without
// bodies, with its hook_id, …]}, the latest state of each delivery that changed
// since the last event, at most 50 per hook. A hook nobody watches costs nothing here.
//
// Writing is cheap on purpose, since every delivery passes here: this node keeps
// the records it is working on in memory and writes a page of them with one plain
// set (only the node holding a delivery's lease writes it), so a hook busy with
// many deliveries costs a few writes per flush, not two per delivery. Pages, the
// per-hook index and the statistics are written behind, every flushMs (1 s), one
// compare-and-set round per key for everything that accumulated; events go out
// every eventsMs (250 ms). Reads on this node see what is not written yet. A
// crash loses at most flushMs of the log and statistics, never a delivery: one
// the queue sends again after a crash is logged again from its job
// (recordAttempt's rebuild).

import {SlotSet, trackUntilSettled} from '../collections/slot-set.js';
import {AppError, type PluginAPI} from '../mattermost/api.js';
import {CasBatcher, decodeJSON, encodeJSON, newId} from './kv.js';
import {decodeIndex, encodeIndex, type IndexEntry} from './log-index.js';
import {redactHeaders, redactUrl, storeBody} from './redact.js';
import {addSample, HOUR_MS, toBucket, type HourStats} from './stats.js';
import type {WatcherView} from './watchers.js';
import type {Delivery, DeliveryAttempt, DeliveryEventName, DeliveryHook, DeliveryPost, HookStats, OutgoingJob} from './types.js';

export const LOG_RECORD_PREFIX = 'dl_';
export const LOG_INDEX_PREFIX = 'dlx_';
export const LOG_PAGE_PREFIX = 'dlp_';
const PAGE_PREFIX = LOG_PAGE_PREFIX;
export const STATS_PREFIX = 'ds_';
const STATS_TTL_SECONDS = 26 * 3600;
const MAX_ATTEMPTS_KEPT = 20;
const REMEMBERED_KEYS = 1024;
/** Hooks whose index is written at the same time: the rest wait, so a flush never holds the event loop for long. */
const FLUSH_PARALLEL_HOOKS = 4;
const YIELD_POLL_MS = 2;
// A paged delivery's id is its page's id (24 characters) and its slot (2 base-32 digits):
// 26 characters, like every Mattermost id.
const PAGE_ID_LENGTH = 24;
const SLOT_DIGITS = '0123456789abcdefghjkmnpqrstvwxyz';
// Small pages keep what lingers after its entries fell off (until the rest of the page does) small.
const PAGE_SLOTS = 64;
/** Deliveries per WebSocket event and hook: a page shows 50. */
const EVENT_DELIVERIES_PER_HOOK = 50;

/** What a replay needs; stays on the server. */
export interface ReplaySource {
  url: string;
  content_type: string;
  headers: Record<string, string>;
  event: DeliveryEventName;
  post: DeliveryPost;
  /** The hook as it was, without its secrets; kept only when replays cannot read the hook itself. */
  hook?: DeliveryHook;
  /** The exact body, when request.body is not (cut or not UTF-8); null when too large to keep. */
  body_b64?: string | null;
}

export interface StoredDelivery extends Delivery {
  team_id: string;
  source?: ReplaySource;
}

export interface LogOptions {
  /** Writes behind (pages, index, statistics) at most this often, ms (default 1000). */
  flushMs?: number;
  /** Publishes live updates at most this often, ms (default 250). */
  eventsMs?: number;
  /** A delivery still pending after this long gets its record written, ms (default 1000). */
  pendingWriteMs?: number;
  maxPerHook?: number;
  maxBodyBytes?: number;
  /** Largest body kept for replay when the shown body is cut. */
  maxReplayBytes?: number;
  /** Whether a record keeps a copy of its hook (for replays where the hook cannot be read; default true). */
  keepHook?: boolean;
  /** Whether deliveries are running, which the writes behind wait for (up to maxYieldMs a round). */
  yieldTo?: () => boolean;
  /** Longest a round of writes behind waits for running deliveries, ms (default 1000). */
  maxYieldMs?: number;
  /** Who gets live updates of which hook's deliveries; without it, none are published. */
  watchers?: WatcherView;
}

/** An entry's record is under its own key (1, or no third value as older versions wrote), not in its page (0). */
function isAlone(entry: IndexEntry): boolean {
  return entry[2] !== 0;
}

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
  /** The page this node will write the record in; null once it is stored on its own. */
  page: Page | null;
  /** Stored under its own key (dl_), in some state: later states go there too. */
  written: boolean;
  /** Its outcome is final. */
  settled: boolean;
  /** It fell off its hook's log: never write it again. */
  dropped: boolean;
}

/** Deliveries of one hook created on this node between two flushes, written together. */
interface Page {
  id: string;
  hookId: string;
  openedAt: number;
  /** Slots handed out. */
  slots: number;
  records: Live[];
  state: 'open' | 'closed' | 'writing' | 'written' | 'dropped';
  /** Written at least once: it is in the KV store even while closed again. */
  stored?: boolean;
}

interface StoredPage {
  hook_id: string;
  /** By slot. */
  records: Record<string, StoredDelivery>;
}

export class DeliveryLog {
  readonly maxPerHook: number;
  readonly maxBodyBytes: number;
  readonly maxReplayBytes: number;
  private readonly flushMs: number;
  private readonly eventsMs: number;
  private readonly keepHook: boolean;
  private readonly yieldTo: (() => boolean) | null;
  private readonly maxYieldMs: number;
  private readonly watchers: WatcherView | null;
  private eventTimer: NodeJS.Timeout | null = null;
  private readonly pendingWriteMs: number;
  private readonly index: CasBatcher<IndexEntry[]>;
  private readonly statsKV: CasBatcher<HourStats>;

  /** Records this node is working on, by delivery id. */
  private readonly live = new Map<string, Live>();
  /** Deliveries added whose records are not built yet (see add()). */
  private readonly adding = new Map<string, CreateInput>();
  /** The page each hook's new deliveries go to, until the next flush. */
  private readonly openPages = new Map<string, Page>();
  /** Pages not written yet, by page id. */
  private readonly pages = new Map<string, Page>();
  /** Index entries not written yet, by hook. */
  private readonly indexAdds = new Map<string, IndexEntry[]>();
  /** Settles when the delivery's index entry is written: a record is never stored before it. */
  private readonly indexed = new Map<string, Deferred>();
  /** Statistics not written yet, by KV key. */
  private readonly statsAdds = new Map<string, HourStats>();
  /** Summaries not published yet, by hook. */
  private readonly events = new Map<string, Map<string, Delivery>>();
  /** Pending records outside any page not written yet, oldest first. */
  private readonly unwritten = new Map<string, number>();
  /** Written pages some of whose deliveries, pending then, have their outcome since. */
  private readonly rewrites = new Set<Page>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  /** Record writes on their way. */
  private readonly writes = new SlotSet<Promise<void>>();

  constructor(
    private readonly api: PluginAPI,
    options: LogOptions = {},
  ) {
    this.maxPerHook = options.maxPerHook ?? 200;
    this.maxBodyBytes = options.maxBodyBytes ?? 64 * 1024;
    this.maxReplayBytes = options.maxReplayBytes ?? 1024 * 1024;
    this.flushMs = options.flushMs ?? 1000;
    this.keepHook = options.keepHook ?? true;
    this.yieldTo = options.yieldTo ?? null;
    this.maxYieldMs = options.maxYieldMs ?? 1000;
    this.eventsMs = options.eventsMs ?? 250;
    this.watchers = options.watchers ?? null;
    this.pendingWriteMs = options.pendingWriteMs ?? 1000;
    // Each hook's index and statistics are mostly written by the node delivering for it:
    // what it wrote last is the expected value of its next write, with no read in between.
    this.index = new CasBatcher(api, {remember: REMEMBERED_KEYS, codec: {encode: encodeIndex, decode: decodeIndex}});
    this.statsKV = new CasBatcher(api, {expireInSeconds: () => STATS_TTL_SECONDS, remember: REMEMBERED_KEYS});
  }

  /** The id of a new delivery of the hook: a slot in the hook's open page on this node. */
  newId(hookId: string): string {
    let page = this.openPages.get(hookId);
    if (!page || page.slots >= PAGE_SLOTS) {
      if (page) page.state = 'closed';
      // Time, sequence and 10 random characters of newId: sortable, and unique across nodes.
      page = {id: newId().slice(0, PAGE_ID_LENGTH), hookId, openedAt: Date.now(), slots: 0, records: [], state: 'open'};
      this.openPages.set(hookId, page);
      this.pages.set(page.id, page);
    }
    return page.id + slotCode(page.slots++);
  }

  /** Records a new pending delivery and lists it first in its hook's log. */
  async create(input: CreateInput): Promise<Delivery> {
    this.settle();
    return publicView(this.createNow(input));
  }

  /**
   * create() for the sending path: the record is built later, before anything
   * reads or writes the log and within the live-update interval, so a post that
   * fires many hooks has its requests on the wire before their records exist.
   */
  add(input: CreateInput): void {
    this.adding.set(input.id, input);
    this.scheduleEvents();
    this.schedule();
  }

  /** Builds the records of deliveries added so far. */
  private settle(): void {
    if (this.adding.size === 0) return;
    const inputs = [...this.adding.values()];
    this.adding.clear();
    for (const input of inputs) this.createNow(input);
  }

  private createNow(input: CreateInput): StoredDelivery {
    const record = this.build(input);
    const page = this.pages.get(pageOf(record.id));
    const paged = page !== undefined && page.hookId === record.hook_id && (page.state === 'open' || page.state === 'closed');
    const entry: Live = {rec: record, page: paged ? page : null, written: false, settled: false, dropped: false};
    this.live.set(record.id, entry);
    if (paged) page.records.push(entry);
    else this.unwritten.set(record.id, Date.now());
    this.listInIndex(record, !paged);
    this.changed(record);
    return record;
  }

  /** Records one attempt's outcome; no-op when the record already fell off the log (and cannot be rebuilt). */
  async recordAttempt(id: string, update: AttemptUpdate, rebuild?: () => CreateInput): Promise<Delivery | null> {
    this.settle();
    let entry = this.live.get(id);
    if (!entry) {
      const stored = await this.record(id);
      if (stored) entry = {rec: stored, page: null, written: false, settled: false, dropped: false};
      else if (rebuild) {
        // Queued before a crash that took its record along: log it again.
        const rec = this.build(rebuild());
        entry = {rec, page: null, written: false, settled: false, dropped: false};
        this.listInIndex(rec, true);
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
    const final = update.status === 'succeeded' || update.status === 'failed';
    entry.settled = final;
    // A final outcome in a page not yet on its way rides with the page.
    if (final && !entry.written && (entry.page?.state === 'open' || entry.page?.state === 'closed')) {
      this.schedule();
      return publicView(rec);
    }
    // The page went out with this delivery pending: the next flush writes the page again
    // if enough of it has an outcome by then, or this record on its own (flushNow).
    if (final && !entry.written && entry.page?.state === 'written') {
      this.rewrites.add(entry.page);
      this.schedule();
      return publicView(rec);
    }
    const write = this.store(id, entry);
    // A final outcome is written behind, off the sender's path; a delivery that will be
    // tried again is written now, since its next attempt may run on another node.
    if (update.status === 'retrying') {
      if (this.indexAdds.has(rec.hook_id)) void this.flushIndexOf(rec.hook_id).catch(() => undefined);
      await write;
    }
    return publicView(rec);
  }

  /** Writes a record under its own key once its index entry says so, then leaves it to the KV store. */
  private store(id: string, entry: Live): Promise<void> {
    // Listed first, then stored: a crash in between leaves an entry without a record
    // (which list() skips), never a record that nothing lists and nothing deletes.
    if (!entry.written) {
      entry.written = true;
      entry.page = null;
      this.listInIndex(entry.rec, true);
    }
    const listed = this.indexed.get(id)?.promise ?? Promise.resolve();
    const write: Promise<void> = listed
      .then(async () => {
        if (entry.dropped) return;
        await this.api.kvSet(LOG_RECORD_PREFIX + id, encodeJSON(entry.rec));
      })
      .finally(() => {
        // Another attempt may run on another node: the KV store is the truth from here.
        if (this.live.get(id) === entry) this.live.delete(id);
      });
    trackUntilSettled(this.writes, write);
    write.catch((err: unknown) => this.api.logWarn('Hookbridge: writing a delivery record failed', {delivery_id: id, error: err instanceof Error ? err.message : String(err)}));
    if (this.indexAdds.has(entry.rec.hook_id)) this.schedule();
    return write;
  }

  async record(id: string): Promise<StoredDelivery | null> {
    this.settle();
    const live = this.live.get(id);
    if (live && !live.dropped) return live.rec;
    const alone = decodeJSON<StoredDelivery>(await this.api.kvGet(LOG_RECORD_PREFIX + id));
    if (alone) return alone;
    const rec = (await this.readPage(pageOf(id)))?.records[slotOf(id)] ?? null;
    // A page outlives the entries that fell off its hook's log until the last one does.
    return rec && (await this.isListed(rec.hook_id, id)) ? rec : null;
  }

  /** The hook's index as stored now (read afresh: another node may have written it), empty when there is none. */
  private async storedIndex(hookId: string): Promise<IndexEntry[]> {
    return decodeIndex(await this.api.kvGet(LOG_INDEX_PREFIX + hookId)) ?? [];
  }

  private async isListed(hookId: string, id: string): Promise<boolean> {
    if (this.indexAdds.get(hookId)?.some(([x]) => x === id)) return true;
    const stored = await this.storedIndex(hookId);
    return stored.some(([x]) => x === id);
  }

  async get(id: string): Promise<Delivery | null> {
    const rec = await this.record(id);
    return rec ? publicView(rec) : null;
  }

  /** Newest first; summaries without request and response. */
  async list(hookId: string, page: number, perPage: number): Promise<Delivery[]> {
    this.settle();
    const p = Math.max(0, Math.floor(page) || 0);
    const n = Math.min(Math.max(1, Math.floor(perPage) || 50), this.maxPerHook);
    const stored = await this.storedIndex(hookId);
    const shown = mergeEntries(stored, this.indexAdds.get(hookId) ?? [], this.maxPerHook).entries.slice(p * n, (p + 1) * n);
    const pages = new Map<string, Promise<StoredPage | null>>();
    const recs = await Promise.all(
      shown.map(async (entry): Promise<StoredDelivery | null> => {
        const id = entry[0];
        const live = this.live.get(id);
        if (live && !live.dropped) return live.rec;
        if (isAlone(entry)) return decodeJSON<StoredDelivery>(await this.api.kvGet(LOG_RECORD_PREFIX + id));
        const pageId = pageOf(id);
        let read = pages.get(pageId);
        if (!read) pages.set(pageId, (read = this.readPage(pageId)));
        return (await read)?.records[slotOf(id)] ?? null;
      }),
    );
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
    this.settle();
    this.indexAdds.delete(hookId);
    this.events.delete(hookId);
    this.openPages.delete(hookId);
    for (const page of [...this.pages.values(), ...this.rewrites]) if (page.hookId === hookId) this.dropPage(page);
    for (const key of [...this.statsAdds.keys()]) if (key.startsWith(`${STATS_PREFIX}${hookId}_`)) this.statsAdds.delete(key);
    for (const [id, e] of this.live) {
      if (e.rec.hook_id !== hookId) continue;
      e.dropped = true;
      this.unwritten.delete(id);
      this.indexed.get(id)?.resolve();
      this.indexed.delete(id);
    }
    await this.flushing?.catch(() => undefined);
    const entries = await this.storedIndex(hookId);
    await this.deleteStored(entries, []);
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

  /** Writes everything held back: index entries, statistics, pages, long-pending records, events. */
  flush(): Promise<void> {
    return this.flushRound(false);
  }

  /** `behind`: a round of the timer, which lets running deliveries go first for a while. */
  private flushRound(behind: boolean): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const run = (this.flushing ?? Promise.resolve()).then(async () => {
      // Only writes already waiting: each waits for an index entry this round writes (or
      // an earlier one wrote). A later write may wait for the next round, which waits for this one.
      const writes = this.writes.toArray();
      await this.flushNow(behind);
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
    const source: ReplaySource = {url: job.url, content_type: job.contentType, headers: job.headers, event: job.event, post: job.post};
    if (this.keepHook) {
      const {signing_secret: _s, previous_secret: _p, previous_secret_expires_at: _e, ...hook} = job.hook;
      source.hook = hook;
    }
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

  private listInIndex(rec: StoredDelivery, alone: boolean): void {
    const adds = this.indexAdds.get(rec.hook_id) ?? [];
    adds.push([rec.id, rec.created_at, alone ? 1 : 0]);
    this.indexAdds.set(rec.hook_id, adds);
    if (!this.indexed.has(rec.id)) this.indexed.set(rec.id, deferred());
    this.schedule();
  }

  private async readPage(pageId: string): Promise<StoredPage | null> {
    const local = this.pages.get(pageId);
    if (local && local.state !== 'dropped') return {hook_id: local.hookId, records: Object.fromEntries(local.records.filter((e) => !e.dropped).map((e) => [slotOf(e.rec.id), e.rec]))};
    return decodeJSON<StoredPage>(await this.api.kvGet(PAGE_PREFIX + pageId));
  }

  /** Writes the index entries of one hook that are waiting; concurrent calls share CAS rounds. */
  private async flushIndexOf(hookId: string): Promise<void> {
    const entries = this.indexAdds.get(hookId);
    if (!entries) return;
    this.indexAdds.delete(hookId);
    let dropped: IndexEntry[] = [];
    let kept: IndexEntry[] = [];
    let early: IndexEntry[] = [];
    try {
      // Records that will fall off go first: a crash midway then leaves entries
      // without records (skipped when listing), never records nothing lists.
      const current = (await this.index.read(LOG_INDEX_PREFIX + hookId)) ?? [];
      const planned = mergeEntries(current, entries, this.maxPerHook);
      early = planned.dropped;
      await this.deleteStored(early, planned.entries);
      await this.index.update(LOG_INDEX_PREFIX + hookId, (list) => {
        const merged = mergeEntries(list ?? [], entries, this.maxPerHook);
        dropped = merged.dropped;
        kept = merged.entries;
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
    const gone = new Set(early.map(([id]) => id));
    await this.deleteStored(
      dropped.filter(([id]) => !gone.has(id)),
      kept,
    );
  }

  /** Deletes what dropped entries stored: their own records, and pages no kept entry lists any more. */
  private async deleteStored(dropped: IndexEntry[], kept: IndexEntry[]): Promise<void> {
    if (dropped.length === 0) return;
    const keys: string[] = [];
    const pages = new Set<string>();
    for (const entry of dropped) {
      const id = entry[0];
      const e = this.live.get(id);
      if (e) {
        e.dropped = true;
        // Nothing will come for a settled record; an unsettled one goes when its outcome does.
        if (e.settled && !e.written) this.live.delete(id);
      }
      if (!isAlone(entry)) pages.add(pageOf(id));
      // A record this node has not written yet never will be.
      else if (!e || e.written) keys.push(LOG_RECORD_PREFIX + id);
    }
    for (const entry of kept) if (!isAlone(entry)) pages.delete(pageOf(entry[0]));
    for (const pageId of pages) {
      const local = this.pages.get(pageId);
      // A page that was never on its way was never stored.
      if (!local || local.state === 'writing' || local.stored) keys.push(PAGE_PREFIX + pageId);
      if (local) this.dropPage(local);
    }
    await Promise.all(keys.map((k) => this.api.kvDelete(k)));
  }

  /** The page's deliveries all fell off the log (or the hook is gone): it is never written. */
  private dropPage(page: Page): void {
    page.state = 'dropped';
    this.pages.delete(page.id);
    if (this.openPages.get(page.hookId) === page) this.openPages.delete(page.hookId);
    for (const e of page.records) {
      e.dropped = true;
      if (e.settled && !e.written && this.live.get(e.rec.id) === e) this.live.delete(e.rec.id);
    }
  }

  /** Writes a closed page once its deliveries are settled or it is old enough; null when not yet. */
  private writePage(page: Page, now: number): Promise<void> | null {
    const inPage = page.records.filter((e) => !e.dropped && !e.written);
    if (inPage.length === 0) {
      // Everything went elsewhere (own records, or off the log): nothing to write.
      page.state = 'written';
      this.pages.delete(page.id);
      return null;
    }
    if (inPage.some((e) => !e.settled) && now - page.openedAt < this.pendingWriteMs) return null;
    page.state = 'writing';
    const listed = Promise.all(inPage.map((e) => this.indexed.get(e.rec.id)?.promise));
    return listed
      .then(async () => {
        if (page.state !== 'writing') return;
        const records: Record<string, StoredDelivery> = {};
        for (const e of inPage) if (!e.dropped) records[slotOf(e.rec.id)] = e.rec;
        await this.api.kvSet(PAGE_PREFIX + page.id, encodeJSON({hook_id: page.hookId, records} satisfies StoredPage));
        page.state = 'written';
        page.stored = true;
        this.pages.delete(page.id);
        // What is settled lives in the KV store from here; what is still pending stays
        // here and, once it has an outcome, goes out with the page again or under its
        // own key (recordAttempt, flushNow).
        for (const e of inPage) if (e.settled && !e.written && this.live.get(e.rec.id) === e) this.live.delete(e.rec.id);
      })
      .catch((err: unknown) => {
        // Tried again with the next flush.
        if (page.state === 'writing') page.state = 'closed';
        throw err;
      });
  }

  private changed(rec: StoredDelivery): void {
    if (!this.watchers?.watching(rec.hook_id)) return;
    let byId = this.events.get(rec.hook_id);
    if (!byId) this.events.set(rec.hook_id, (byId = new Map()));
    byId.delete(rec.id);
    byId.set(rec.id, summaryView(rec));
    this.scheduleEvents();
  }

  /** Live updates go out sooner than the log is written: they cost one call per watcher. */
  private scheduleEvents(): void {
    if (this.eventTimer) return;
    this.eventTimer = setTimeout(() => {
      this.eventTimer = null;
      void this.publishEvents();
    }, this.eventsMs);
    this.eventTimer.unref?.();
  }

  private publishEvents(): Promise<unknown> {
    this.settle();
    if (this.eventTimer) clearTimeout(this.eventTimer);
    this.eventTimer = null;
    // One event per watcher for everything that changed in the hooks they watch:
    // a client applies each delivery to its hook. Each summary is encoded once.
    const byUser = new Map<string, string[]>();
    for (const [hookId, byId] of this.events) {
      const users = this.watchers?.usersOf(hookId) ?? [];
      if (users.length === 0) continue;
      // Older changes of the same moment would be overwritten on screen anyway.
      const shown = [...byId.values()].slice(-EVENT_DELIVERIES_PER_HOOK).map((d) => JSON.stringify(d));
      for (const user of users) {
        const list = byUser.get(user);
        if (list) list.push(...shown);
        else byUser.set(user, [...shown]);
      }
    }
    this.events.clear();
    return Promise.all(
      [...byUser].map(([userId, shown]) =>
        // As one JSON string: a deep value costs far more to carry through the plugin RPC.
        this.api.publishWebSocketEvent('delivery', {deliveries: `[${shown.join(',')}]`}, {UserId: userId}).catch((err: unknown) => {
          this.api.logWarn('Hookbridge: could not publish delivery updates', {user_id: userId, error: err instanceof Error ? err.message : String(err)});
        }),
      ),
    );
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flushRound(true).catch((err: unknown) => this.api.logWarn('Hookbridge: writing the delivery log failed', {error: err instanceof Error ? err.message : String(err)}));
    }, this.flushMs);
    this.timer.unref?.();
  }

  private async flushNow(behind: boolean): Promise<void> {
    this.settle();
    // Writing the log behind must not slow the deliveries it records: between two
    // writes it waits while deliveries are running, for at most maxYieldMs a round.
    const started = Date.now();
    const yieldTo = this.yieldTo;
    const pause = async (): Promise<void> => {
      while (behind && yieldTo && yieldTo() && Date.now() - started < this.maxYieldMs) await new Promise((r) => setTimeout(r, YIELD_POLL_MS));
      await new Promise<void>((resolve) => setImmediate(resolve));
    };
    const work: Promise<unknown>[] = [];
    const now = Date.now();
    // Deliveries outside pages pending for a while get their record, so other nodes can show them.
    const due = now - this.pendingWriteMs;
    for (const [id, since] of this.unwritten) {
      if (since > due) break;
      this.unwritten.delete(id);
      const e = this.live.get(id);
      if (!e || e.dropped || e.written || e.page) continue;
      e.written = true;
      const listed = this.indexed.get(id)?.promise ?? Promise.resolve();
      work.push(listed.then(() => (e.dropped ? undefined : this.api.kvSet(LOG_RECORD_PREFIX + id, encodeJSON(e.rec)))));
    }
    if (this.unwritten.size) this.schedule();

    // A page written with deliveries then pending is written again once an eighth of it has
    // an outcome since (a backlog finishing), else those outcomes go under their own keys:
    // a page with one slow delivery is not rewritten for it.
    for (const page of this.rewrites) {
      this.rewrites.delete(page);
      if (page.state !== 'written') continue;
      const kept = page.records.filter((e) => !e.dropped && !e.written);
      const done = kept.filter((e) => e.settled && this.live.get(e.rec.id) === e);
      if (done.length * 8 >= kept.length) {
        page.state = 'closed';
        this.pages.set(page.id, page);
      } else {
        for (const e of done) work.push(this.store(e.rec.id, e));
      }
    }

    // New deliveries go to new pages from here; the pages so far are written once settled.
    for (const page of this.openPages.values()) page.state = 'closed';
    this.openPages.clear();
    const ready: Page[] = [];
    for (const page of this.pages.values()) if (page.state === 'closed') ready.push(page);
    if (this.pages.size) this.schedule();

    work.push(this.publishEvents());

    const hooks = [...this.indexAdds.keys()];
    const stats = [...this.statsAdds];
    this.statsAdds.clear();
    work.push(
      eachLimited(hooks, FLUSH_PARALLEL_HOOKS, pause, (hookId) => this.flushIndexOf(hookId)),
      eachLimited(stats, FLUSH_PARALLEL_HOOKS, pause, ([key, delta]) => this.statsKV.update(key, (s) => mergeStats(s, delta))),
      eachLimited(ready, FLUSH_PARALLEL_HOOKS, pause, (page) => this.writePage(page, now) ?? Promise.resolve()),
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

/** The index after adding entries: newest first, at most `max`, and what fell off. An entry added again keeps its own-key mark. */
function mergeEntries(list: IndexEntry[], adds: IndexEntry[], max: number): {entries: IndexEntry[]; dropped: IndexEntry[]} {
  const byId = new Map<string, IndexEntry>();
  for (const e of list) byId.set(e[0], e);
  for (const e of adds) {
    const before = byId.get(e[0]);
    byId.set(e[0], before && (isAlone(before) || isAlone(e)) ? [e[0], e[1], 1] : e);
  }
  const next = [...byId.values()];
  next.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? 1 : a[0] > b[0] ? -1 : 0));
  return {entries: next.slice(0, max), dropped: next.slice(max)};
}

/** A new value: `stored` may be one the CAS batcher remembers. */
function mergeStats(stored: HourStats | null, delta: HourStats): HourStats {
  const s: HourStats = stored ? {...stored, bins: {...stored.bins}} : {total: 0, ok: 0, failed: 0, bins: {}};
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

function slotCode(slot: number): string {
  return SLOT_DIGITS[Math.floor(slot / 32)]! + SLOT_DIGITS[slot % 32]!;
}

/** The page a delivery id names (for one stored in a page). */
function pageOf(id: string): string {
  return id.slice(0, PAGE_ID_LENGTH);
}

function slotOf(id: string): string {
  return id.slice(PAGE_ID_LENGTH);
}

/** Runs `fn` on every item, at most `limit` at a time, awaiting `pause` before each; rejects with the first failure once all have run. */
async function eachLimited<T>(items: readonly T[], limit: number, pause: () => Promise<void>, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  let failure: {err: unknown} | null = null;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++]!;
      await pause();
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
