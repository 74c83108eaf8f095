// Hooks in the plugin KV store, shared by every node of a cluster.
//
// Layout (keys stay far below the 150-character limit):
//   hb_out_<id>, hb_in_<id>             the hook, as JSON
//   hb_ix_<kind>_all                     ids of every hook of a kind
//   hb_ix_<kind>_team_<teamId>           ids by team
//   hb_ix_<kind>_chan_<channelId>        ids by channel
//   hb_ix_<kind>_user_<userId>           ids by creator
//   hb_ix_…_s<n>                         a shard of a list past 1,000 ids (id-list.ts)
//   hb_version                           a counter bumped by every change
//   hb_chg_<version>                     the hook that version changed, {kind, id}
//                                        (kept a day)
//
// Every write is a compare-and-set against the bytes just read, retried on
// conflict, so two nodes writing at once cannot lose each other's update. Index
// lists are written before a new hook and cleaned after a deleted one, so an
// index may briefly name a hook that does not exist (readers skip it) but never
// misses one that does. A change takes its version, and records which hook it
// is about, before it writes the hook: a node that stops between the two leaves
// a version naming a hook that did not change (readers re-read it), never a
// change without a version, so other nodes can find every change they missed
// by its version (index-sync.ts). An update that puts a hook into a new list
// adds it there before taking its version too, so a list read after the
// version it was read at holds every hook that existed then (listing keeps
// long lists by that version). Whoever takes a hook out of a list re-reads it
// afterwards and puts it back where it belongs, so two nodes moving one hook at
// once leave it in the lists of where it ends.

import type {PluginAPI} from '../mattermost/api.js';
import {HookError} from './errors.js';
import {IdLists, UNCHANGED, type IdListOptions, type Mutate} from './id-list.js';
import {isValidId} from './ids.js';
import {IncomingHookCache, type IncomingCacheOptions} from './incoming-cache.js';
import {isHookKind, type HookKind, type IncomingHook, type OutgoingHook} from './model.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

const KIND_KEY: Record<HookKind, string> = {outgoing: 'out', incoming: 'in'};
export const VERSION_KEY = 'hb_version';
export const CHANGE_PREFIX = 'hb_chg_';
/** How long the record of a change is kept: far longer than a node takes to notice it missed one. */
const CHANGE_TTL_SECONDS = 24 * 3600;
/**
 * Index lists that outgrew one value (see id-list.ts) are kept for the next
 * page while the version stays the same, for at most LIST_CACHE_MS (a bound on
 * any writer that breaks the ordering above, such as an older version of the
 * plugin), LIST_CACHE_LISTS of them (100k ids take about 6 MB).
 */
const LIST_CACHE_MS = 60_000;
const LIST_CACHE_LISTS = 4;
/** Hooks read at once for a page of a list. */
const LIST_READ_BATCH = 256;

/** Which hook a version changed. */
export interface ChangeRecord {
  kind: HookKind;
  id: string;
}

export function hookKey(kind: HookKind, id: string): string {
  return `hb_${KIND_KEY[kind]}_${id}`;
}

type Dimension = 'all' | 'team' | 'chan' | 'user';

function indexKey(kind: HookKind, dim: Dimension, value = ''): string {
  return dim === 'all' ? `hb_ix_${KIND_KEY[kind]}_all` : `hb_ix_${KIND_KEY[kind]}_${dim}_${value}`;
}

type AnyHook = OutgoingHook | IncomingHook;

interface KindSpec<H extends AnyHook> {
  kind: HookKind;
  team: (h: H) => string;
  channel: (h: H) => string;
  creator: (h: H) => string;
}

const OUTGOING: KindSpec<OutgoingHook> = {kind: 'outgoing', team: (h) => h.team_id, channel: (h) => h.channel_id, creator: (h) => h.creator_id};
const INCOMING: KindSpec<IncomingHook> = {kind: 'incoming', team: (h) => h.team_id, channel: (h) => h.channel_id, creator: (h) => h.user_id};

/** Index entries a hook belongs under (channel-less hooks have no channel entry). */
function entriesOf<H extends AnyHook>(spec: KindSpec<H>, h: H): string[] {
  const keys = [indexKey(spec.kind, 'all'), indexKey(spec.kind, 'team', spec.team(h)), indexKey(spec.kind, 'user', spec.creator(h))];
  if (spec.channel(h)) keys.push(indexKey(spec.kind, 'chan', spec.channel(h)));
  return keys;
}

export interface ListFilter {
  teamId?: string;
  channelId?: string;
  creatorId?: string;
}

export interface StoreOptions {
  maxRetries?: number;
  /** Waits between compare-and-set attempts; jittered so competing nodes stop colliding. */
  backoff?: (attempt: number) => Promise<void>;
  /** The memory of incoming hooks read for their webhook URL (cachedIncoming). */
  incomingCache?: IncomingCacheOptions;
  /** When an index list is split into shards, and into how many. */
  lists?: IdListOptions;
  /** The clock of the list memory (listIds). */
  now?: () => number;
}

export {UNCHANGED};

export interface Change<H> {
  readonly before: H | null;
  readonly after: H | null;
  /** The version this change took (hb_version). */
  readonly version: number;
}

export class HookStore {
  private readonly maxRetries: number;
  private readonly backoff: (attempt: number) => Promise<void>;
  /** Compare-and-set attempts that lost a race (for tests and diagnostics). */
  conflicts = 0;
  private readonly incoming: IncomingHookCache;
  private readonly lists: IdLists;
  /** Long index lists as read at a version, most recently used last. */
  private readonly listCache = new Map<string, {version: number; readAt: number; ids: readonly string[]}>();
  private readonly now: () => number;

  constructor(
    private readonly api: PluginAPI,
    options: StoreOptions = {},
  ) {
    this.maxRetries = options.maxRetries ?? 25;
    this.backoff = options.backoff ?? ((attempt) => new Promise((r) => setTimeout(r, Math.random() * Math.min(50, 2 ** attempt))));
    this.incoming = new IncomingHookCache((id) => this.read(INCOMING, id), options.incomingCache);
    this.lists = new IdLists(api, (key, mutate) => this.cas(key, mutate), options.lists);
    this.now = options.now ?? Date.now;
  }

  /** A change to a hook reached the KV store: whatever this node remembers of it is stale. */
  private written(kind: HookKind, id: string): void {
    if (kind === 'incoming') this.incoming.forget(id);
  }

  // --- generic compare-and-set ---

  /**
   * Applies `mutate` to the current bytes of `key` until the compare-and-set
   * succeeds. `mutate` returns the new bytes, null to delete, or UNCHANGED.
   */
  async cas(key: string, mutate: Mutate): Promise<{before: Uint8Array | null; after: Uint8Array | null}> {
    for (let attempt = 0; attempt < this.maxRetries; attempt++) {
      const current = await this.api.kvGet(key);
      const next = mutate(current);
      if (next === UNCHANGED) return {before: current, after: current};
      if (next === null && current === null) return {before: null, after: null};
      if (await this.api.kvSetWithOptions(key, next, {atomic: true, oldValue: current})) return {before: current, after: next};
      this.conflicts++;
      await this.backoff(attempt);
    }
    throw new HookError(503, 'hookbridge.store.conflict', 'The hook is being changed by someone else right now; try again.');
  }

  async version(): Promise<number> {
    const raw = await this.api.kvGet(VERSION_KEY);
    return raw ? Number(dec.decode(raw)) || 0 : 0;
  }

  private async bumpVersion(): Promise<number> {
    const {after} = await this.cas(VERSION_KEY, (current) => enc.encode(String((current ? Number(dec.decode(current)) || 0 : 0) + 1)));
    return Number(dec.decode(after!));
  }

  /** The next version, recorded as changing this hook; taken before the hook is written (see the file comment). */
  private async recordChange(kind: HookKind, id: string): Promise<number> {
    const version = await this.bumpVersion();
    const record: ChangeRecord = {kind, id};
    await this.api.kvSetWithOptions(CHANGE_PREFIX + version, enc.encode(JSON.stringify(record)), {expireInSeconds: CHANGE_TTL_SECONDS});
    return version;
  }

  /** The hooks these versions changed; null where there is no record (expired, or written by an older version). */
  async changesAt(versions: readonly number[]): Promise<(ChangeRecord | null)[]> {
    return Promise.all(
      versions.map(async (version) => {
        const raw = await this.api.kvGet(CHANGE_PREFIX + version);
        if (!raw) return null;
        try {
          const r = JSON.parse(dec.decode(raw)) as Partial<ChangeRecord>;
          return isHookKind(r.kind) && typeof r.id === 'string' ? {kind: r.kind, id: r.id} : null;
        } catch {
          return null;
        }
      }),
    );
  }

  // --- typed hooks ---

  private async read<H extends AnyHook>(spec: KindSpec<H>, id: string): Promise<H | null> {
    if (!isValidId(id)) return null;
    const raw = await this.api.kvGet(hookKey(spec.kind, id));
    return raw ? (JSON.parse(dec.decode(raw)) as H) : null;
  }

  private async create<H extends AnyHook>(spec: KindSpec<H>, hook: H): Promise<Change<H>> {
    // Each list is its own compare-and-set: they change side by side.
    await Promise.all(entriesOf(spec, hook).map((key) => this.lists.add(key, hook.id)));
    const version = await this.recordChange(spec.kind, hook.id);
    const ok = await this.api.kvSetWithOptions(hookKey(spec.kind, hook.id), enc.encode(JSON.stringify(hook)), {atomic: true, oldValue: null});
    if (!ok) throw new HookError(409, 'hookbridge.store.exists', 'A hook with this id already exists.');
    this.written(spec.kind, hook.id);
    return {before: null, after: hook, version};
  }

  /**
   * Changes a hook with `mutate` applied to its latest stored state; returns
   * null from `mutate` to delete it. Throws 404 when the hook does not exist.
   */
  private async update<H extends AnyHook>(spec: KindSpec<H>, id: string, mutate: (current: H) => H | null): Promise<Change<H>> {
    if (!isValidId(id)) throw notFound(spec.kind);
    const seen: {before: H | null; after: H | null} = {before: null, after: null};
    // A version is taken only for a hook that exists (one deleted meanwhile spends it on nothing).
    const stored = await this.api.kvGet(hookKey(spec.kind, id));
    if (!stored) throw notFound(spec.kind);
    // Lists the hook is about to join get it before the version is taken, as a
    // create's do (see the file comment): the change as it would apply to the
    // hook as just read. `mutate` is applied again in the compare-and-set, to
    // whatever is stored by then.
    const was = JSON.parse(dec.decode(stored)) as H;
    const guess = mutate(structuredClone(was));
    const wasKeys = entriesOf(spec, was);
    const joined = guess ? entriesOf(spec, guess).filter((k) => !wasKeys.includes(k)) : [];
    await Promise.all(joined.map((k) => this.lists.add(k, id)));
    let version: number;
    try {
      version = await this.recordChange(spec.kind, id);
      await this.cas(hookKey(spec.kind, id), (current) => {
        if (!current) throw notFound(spec.kind);
        seen.before = JSON.parse(dec.decode(current)) as H;
        seen.after = mutate(structuredClone(seen.before));
        return seen.after === null ? null : enc.encode(JSON.stringify(seen.after));
      });
    } catch (err) {
      if (joined.length > 0) await this.unlist(spec, id, joined).catch(() => undefined);
      throw err;
    }
    this.written(spec.kind, id);
    const {before, after} = seen;
    const oldKeys = before ? entriesOf(spec, before) : [];
    const newKeys = after ? entriesOf(spec, after) : [];
    // Another change that landed between the read and the compare-and-set may have sent the hook elsewhere.
    const late = newKeys.filter((k) => !oldKeys.includes(k) && !joined.includes(k));
    if (late.length > 0) await this.joinLate(spec.kind, id, late);
    const left = [...new Set([...oldKeys, ...joined])].filter((k) => !newKeys.includes(k));
    if (left.length > 0) await this.unlist(spec, id, left);
    return {before, after, version};
  }

  /**
   * Takes a hook out of lists it left, then puts it back in any it belongs to
   * as stored now: another node moving the same hook at once may have put it
   * in one of them meanwhile, and whichever removes last sees its change. A
   * hook put back takes a version, for readers who kept a list without it.
   */
  private async unlist<H extends AnyHook>(spec: KindSpec<H>, id: string, keys: readonly string[]): Promise<void> {
    await Promise.all(keys.map((k) => this.lists.remove(k, id)));
    const now = await this.read(spec, id);
    if (!now || now.delete_at) return;
    await this.joinLate(spec.kind, id, entriesOf(spec, now).filter((k) => keys.includes(k)));
  }

  /**
   * Adds a hook to lists after its change took its version; if that put it in
   * any, takes another version, for readers who kept one of them without it
   * (whoever had put it there already took one after doing so).
   */
  private async joinLate(kind: HookKind, id: string, keys: readonly string[]): Promise<void> {
    const added = await Promise.all(keys.map((k) => this.lists.add(k, id)));
    if (added.some(Boolean)) await this.recordChange(kind, id);
  }

  /**
   * A page of hooks. When the list read holds just what the filter asks for, a
   * page is a window of it: page p starts at id p × perPage, and an id whose hook
   * is gone (a change in progress, or left by a node that stopped half-way) is
   * passed over for the next one. Reading a page then costs its own hooks, not
   * every hook before it; a leftover id before the window moves the page by one,
   * as a row inserted meanwhile moves an SQL OFFSET. A filter on two dimensions
   * (a user's own hooks in a team) reads one list and counts matching hooks.
   */
  private async list<H extends AnyHook>(spec: KindSpec<H>, filter: ListFilter, page: number, perPage: number): Promise<H[]> {
    const key = filter.channelId
      ? indexKey(spec.kind, 'chan', filter.channelId)
      : filter.creatorId
        ? indexKey(spec.kind, 'user', filter.creatorId)
        : filter.teamId
          ? indexKey(spec.kind, 'team', filter.teamId)
          : indexKey(spec.kind, 'all');
    const window = [filter.channelId, filter.creatorId, filter.teamId].filter(Boolean).length <= 1;
    const ids = await this.listIds(key);
    const out: H[] = [];
    let skip = window ? 0 : page * perPage;
    for (let i = window ? page * perPage : 0; i < ids.length && out.length < perPage; ) {
      const n = Math.min(LIST_READ_BATCH, skip + perPage - out.length);
      const batch = await Promise.all(ids.slice(i, i + n).map((id) => this.read(spec, id)));
      i += n;
      for (const h of batch) {
        // Indexes may hold stale ids, so every hook is re-checked against the filter.
        if (!h || h.delete_at) continue;
        if (filter.teamId && spec.team(h) !== filter.teamId) continue;
        if (filter.channelId && spec.channel(h) !== filter.channelId) continue;
        if (filter.creatorId && spec.creator(h) !== filter.creatorId) continue;
        if (skip > 0) {
          skip--;
          continue;
        }
        if (out.length < perPage) out.push(h);
      }
    }
    return out;
  }

  /**
   * An index list, from memory when it is long and was read at the current
   * version: paging through 100k hooks reads the 64 shards once, then one
   * version per page. The version is read first, so a list kept under it holds
   * every hook that existed at that version (see the file comment).
   */
  private async listIds(key: string): Promise<readonly string[]> {
    const version = await this.version();
    const now = this.now();
    const kept = this.listCache.get(key);
    for (const [k, v] of this.listCache) if (v.version !== version || now - v.readAt >= LIST_CACHE_MS) this.listCache.delete(k);
    if (kept && this.listCache.delete(key)) {
      this.listCache.set(key, kept);
      return kept.ids;
    }
    const ids = await this.lists.read(key);
    if (ids.length > this.lists.inlineMax) {
      this.listCache.set(key, {version, readAt: now, ids});
      if (this.listCache.size > LIST_CACHE_LISTS) this.listCache.delete(this.listCache.keys().next().value!);
    }
    return ids;
  }

  private async all<H extends AnyHook>(spec: KindSpec<H>): Promise<H[]> {
    return this.list(spec, {}, 0, Number.MAX_SAFE_INTEGER);
  }

  getOutgoing(id: string): Promise<OutgoingHook | null> {
    return this.read(OUTGOING, id);
  }
  createOutgoing(hook: OutgoingHook): Promise<Change<OutgoingHook>> {
    return this.create(OUTGOING, hook);
  }
  updateOutgoing(id: string, mutate: (current: OutgoingHook) => OutgoingHook | null): Promise<Change<OutgoingHook>> {
    return this.update(OUTGOING, id, mutate);
  }
  deleteOutgoing(id: string): Promise<Change<OutgoingHook>> {
    return this.update(OUTGOING, id, () => null);
  }
  listOutgoing(filter: ListFilter, page: number, perPage: number): Promise<OutgoingHook[]> {
    return this.list(OUTGOING, filter, page, perPage);
  }
  allOutgoing(): Promise<OutgoingHook[]> {
    return this.all(OUTGOING);
  }

  /**
   * Hands every stored outgoing hook (deleted ones skipped) to `visit` as it is
   * read, keeping `concurrency` reads in flight, and keeps none of them: loading
   * 100k hooks this way neither waits for the slowest read of a batch nor holds
   * them all at once.
   */
  async eachOutgoing(visit: (hook: OutgoingHook) => void, concurrency = 64): Promise<number> {
    const ids = await this.lists.read(indexKey('outgoing', 'all'));
    let next = 0;
    let visited = 0;
    let failed = false;
    const worker = async (): Promise<void> => {
      while (!failed && next < ids.length) {
        const id = ids[next++]!;
        try {
          const hook = await this.read(OUTGOING, id);
          if (hook && !hook.delete_at && !failed) {
            visit(hook);
            visited++;
          }
        } catch (err) {
          // The other readers stop too: the caller gets the error, not a partial result.
          failed = true;
          throw err;
        }
      }
    };
    await Promise.all(Array.from({length: Math.min(concurrency, ids.length)}, worker));
    return visited;
  }

  getIncoming(id: string): Promise<IncomingHook | null> {
    return this.read(INCOMING, id);
  }
  /**
   * The incoming hook for a request to its webhook URL: from memory when this
   * node read it recently and has heard of no change since (see
   * IncomingHookCache). Shared between requests: read-only.
   */
  cachedIncoming(id: string): Promise<IncomingHook | null> {
    return this.incoming.get(id);
  }
  /** Another node changed this incoming hook, or anything may have changed (no id). */
  forgetIncoming(id?: string): void {
    if (id === undefined) this.incoming.clear();
    else this.incoming.forget(id);
  }
  /** Reads of incoming hooks for their webhook URL that went to the KV store. */
  get incomingReads(): number {
    return this.incoming.loads;
  }
  createIncoming(hook: IncomingHook): Promise<Change<IncomingHook>> {
    return this.create(INCOMING, hook);
  }
  updateIncoming(id: string, mutate: (current: IncomingHook) => IncomingHook | null): Promise<Change<IncomingHook>> {
    return this.update(INCOMING, id, mutate);
  }
  deleteIncoming(id: string): Promise<Change<IncomingHook>> {
    return this.update(INCOMING, id, () => null);
  }
  listIncoming(filter: ListFilter, page: number, perPage: number): Promise<IncomingHook[]> {
    return this.list(INCOMING, filter, page, perPage);
  }
}

function notFound(kind: HookKind): HookError {
  return HookError.notFound(`app.webhooks.get_${kind}.app_error`, `The ${kind} webhook does not exist.`);
}
