// Which outgoing hooks a post triggers, without looking at every hook.
//
// Trigger words live in hash tables, one for exact words and one for prefixes
// per matching variant (first word or any word, case-sensitive or not), shared
// by all teams and channels; each hook found is then checked against the post's
// team, channel and channel type. A post's word costs one lookup, plus one per
// distinct prefix length, whatever the number of hooks. The word is hashed
// straight out of the message (no substring, no allocation), and the running
// hash of its first n characters is the hash of its n-character prefix, so
// prefixes need no trie. The tables are laid out for big, cache-cold indexes:
// a small bit summary turns most absent words away, and a slot keeps its key
// next to its hook, so a hit reads a few cache lines, not a chain of objects.
// Channel-only and regex hooks are filed by team and channel; regex hooks are
// evaluated one by one, and only those of the post's team, channel or of
// direct messages.
//
// The index keeps a compact record per hook (what matching needs, and its id);
// the whole hook, with secrets and callback settings, is read from the store
// when a post triggers it (`resolve`), through a small cache of recently fired
// hooks that changes to the index keep current.

import type {OutgoingEvent, OutgoingHook, TriggerWhen} from './model.js';
import {compilePattern, type RegexItem, type RegexRunner} from './safe-regex.js';
import {isGoSpace} from './text.js';

export interface PostContext {
  readonly text: string;
  readonly channelId: string;
  /** '' for direct and group messages. */
  readonly teamId: string;
  readonly channelType: string;
  readonly event: OutgoingEvent;
}

/** What the index keeps of a hook: what matching needs, and the fields callers check before loading the whole hook. */
export interface IndexedHook {
  readonly id: string;
  readonly team_id: string;
  readonly channel_id: string;
  readonly creator_id: string;
  readonly trigger_words: readonly string[];
  readonly trigger_when: TriggerWhen;
  readonly enabled: boolean;
}

export interface TriggerMatch {
  readonly hook: IndexedHook;
  /** The trigger word that matched this hook ('' for channel-only hooks; the matched text for regex hooks). */
  readonly triggerWord: string;
}

/** A match with the whole hook, as stored now. */
export interface ResolvedMatch {
  readonly hook: OutgoingHook;
  readonly triggerWord: string;
}

export interface TriggerIndexOptions {
  /** Reads a hook from the store, for `resolve`. */
  load?: (id: string) => Promise<OutgoingHook | null>;
  /** How many whole hooks `resolve` keeps for the next posts (default 1024). */
  cacheSize?: number;
}

// --- per-hook flags: the post's event and channel type must both be set in a hook's flags ---

const EV_POSTED = 1 << 0;
const EV_EDITED = 1 << 1;
const CT_O = 1 << 2;
const CT_P = 1 << 3;
const CT_D = 1 << 4;
const CT_G = 1 << 5;
const ENABLED = 1 << 6;
/** trigger_when 1: trigger words are prefixes. */
const PREFIX = 1 << 7;
/** A hook without a channel that watches its team's public or private channels. */
const IN_TEAM = 1 << 8;
/** A hook without a channel that watches direct or group messages (of any team). */
const IN_DM = 1 << 9;
/**
 * A prefix hook one of whose keys starts another of its keys: a word can then
 * start with both, and the word to report is the first listed that it starts
 * with, which takes reading the hook's words. Without it, the key found is the
 * only one of the hook's that the word starts with.
 */
const CHAIN = 1 << 13;
/** A bit no hook has: posts with an event or channel type no hook can ask for. */
const NEVER = 1 << 30;

const KIND_SHIFT = 10;
const KIND_MASK = 7 << KIND_SHIFT;
const enum Kind {
  None = 0,
  First = 1,
  FirstCI = 2,
  Any = 3,
  AnyCI = 4,
  Channel = 5,
  Regex = 6,
}

function eventBit(e: string): number {
  return e === 'posted' ? EV_POSTED : e === 'edited' ? EV_EDITED : NEVER;
}

function typeBit(t: string): number {
  return t === 'O' ? CT_O : t === 'P' ? CT_P : t === 'D' ? CT_D : t === 'G' ? CT_G : NEVER;
}

function kindOf(flags: number): Kind {
  return ((flags & KIND_MASK) >> KIND_SHIFT) as Kind;
}

/** Flags of a hook; a regex hook is filed as such even if its pattern does not compile (the caller checks). */
function flagsOf(hook: OutgoingHook): number {
  let flags = hook.enabled ? ENABLED : 0;
  if (hook.trigger_when === 1) flags |= PREFIX;
  for (const e of hook.events) if (e === 'posted' || e === 'edited') flags |= eventBit(e);
  for (const t of hook.channel_types) if (t === 'O' || t === 'P' || t === 'D' || t === 'G') flags |= typeBit(t);
  if (!hook.channel_id) {
    if (flags & (CT_O | CT_P)) flags |= IN_TEAM;
    if (flags & (CT_D | CT_G)) flags |= IN_DM;
  }
  let kind: Kind;
  // Disabled hooks, and hooks without a channel that watch no kind of channel, are kept but filed nowhere.
  if (!hook.enabled || (!hook.channel_id && !(flags & (IN_TEAM | IN_DM)))) kind = Kind.None;
  else if (hook.match.mode === 'regex') kind = hook.match.pattern ? Kind.Regex : Kind.None;
  else if (hook.trigger_words.length === 0) kind = hook.channel_id ? Kind.Channel : Kind.None;
  else if (hook.match.mode === 'anywhere') kind = hook.match.case_insensitive ? Kind.AnyCI : Kind.Any;
  else kind = hook.match.case_insensitive ? Kind.FirstCI : Kind.First;
  return flags | (kind << KIND_SHIFT);
}

// --- hashing: FNV-1a over UTF-16 units, seeded per process, finished with MurmurHash3's mixer ---

const FNV_PRIME = 0x01000193;
/** Seeded so that nobody can pick trigger words that all land in one slot. */
const SEED = (0x811c9dc5 ^ Math.floor(Math.random() * 0x100000000)) | 0;

/**
 * FNV's low bits are weak and slots are taken from them: mix them first. 30 bits,
 * so that a hash is a small integer wherever V8 stores it; never 0, which marks a free slot.
 */
function finish(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h & 0x3fffffff || 1;
}

const CHANNEL_BUCKETS = 8192;

/** A cheap hash of an id from its last 8 units (Mattermost ids are random there), for filters that tolerate collisions. */
function idHash(id: string): number {
  let h = SEED ^ id.length;
  for (let i = id.length > 8 ? id.length - 8 : 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), FNV_PRIME);
  return finish(h);
}

function hashOf(key: string): number {
  let h = SEED;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), FNV_PRIME);
  return finish(h);
}

/** The compact record of one hook. Hot fields first: matching reads them for every candidate. */
class Rec implements IndexedHook {
  readonly flags: number;
  /** idHash of channel_id, 0 without a channel: a post elsewhere is told apart without reading the id (a cache miss in a big index). */
  readonly channelHash: number;
  /** The last match() that looked at this hook, so a hook found twice in one post counts once. */
  seen = 0;
  readonly channel_id: string;
  readonly team_id: string;
  /** trigger_words as looked up: lower-cased for case-insensitive hooks (otherwise the same array). */
  readonly keys: readonly string[];
  readonly trigger_words: readonly string[];
  readonly id: string;
  readonly creator_id: string;

  constructor(id: string, teamId: string, channelId: string, creatorId: string, words: readonly string[], keys: readonly string[], flags: number) {
    this.flags = flags;
    this.channelHash = channelId === '' ? 0 : idHash(channelId);
    this.channel_id = channelId;
    this.team_id = teamId;
    this.keys = keys;
    this.trigger_words = words;
    this.id = id;
    this.creator_id = creatorId;
  }

  get enabled(): boolean {
    return (this.flags & ENABLED) !== 0;
  }

  get trigger_when(): TriggerWhen {
    return this.flags & PREFIX ? 1 : 0;
  }
}

/** Above this many hooks, a word's hooks are also filed by scope, so a post looks only at its own. */
const SCAN_LIMIT = 8;

/** The hooks sharing one key of a table. */
class Group {
  readonly recs: Rec[];
  /** By channel id (channel hooks), team id (team hooks) and '' (direct-message hooks); big groups only. */
  byScope: Map<string, Rec[]> | null = null;

  constructor(a: Rec, b: Rec) {
    this.recs = [a, b];
  }

  add(rec: Rec): void {
    this.recs.push(rec);
    if (this.byScope) fileByScope(this.byScope, rec);
    else if (this.recs.length > SCAN_LIMIT) {
      this.byScope = new Map();
      for (const r of this.recs) fileByScope(this.byScope, r);
    }
  }

  remove(rec: Rec): void {
    const i = this.recs.indexOf(rec);
    if (i >= 0) this.recs.splice(i, 1);
    if (!this.byScope) return;
    if (this.recs.length <= SCAN_LIMIT / 2) {
      this.byScope = null;
      return;
    }
    for (const key of scopeKeys(rec)) {
      const list = this.byScope.get(key);
      if (!list) continue;
      const j = list.indexOf(rec);
      if (j >= 0) list.splice(j, 1);
      if (list.length === 0) this.byScope.delete(key);
    }
  }
}

function scopeKeys(rec: Rec): string[] {
  if (rec.channel_id) return [rec.channel_id];
  const out: string[] = [];
  if (rec.flags & IN_TEAM) out.push(rec.team_id);
  if (rec.flags & IN_DM) out.push('');
  return out;
}

function fileByScope(map: Map<string, Rec[]>, rec: Rec): void {
  for (const key of scopeKeys(rec)) {
    const list = map.get(key);
    if (list) list.push(rec);
    else map.set(key, [rec]);
  }
}

type Posting = Rec | Group;

/** Slot layout of a WordTable: hash, key, posting, key length (negated for a key not kept inline), then the key itself packed. */
const STRIDE = 8;
const PACKED = 4;
/** Keys of ASCII characters up to this long are kept inside their slot, 7 bits a character, 4 to a small integer. */
const INLINE_MAX = 4 * (STRIDE - PACKED);

/** The packed characters [4j, 4j + 4) of s[start, start + len), or -1 if one of them is not ASCII. */
function packedAt(s: string, start: number, len: number, j: number): number {
  let w = 0;
  const stop = Math.min(4 * j + 4, len);
  for (let i = 4 * j, shift = 0; i < stop; i++, shift += 7) {
    const c = s.charCodeAt(start + i);
    if (c > 127) return -1;
    w |= c << shift;
  }
  return w;
}

/**
 * Writes a key's length and packed form into slot[at + 3 .. at + STRIDE): the
 * key inline when it is short and ASCII, else -(length + 1) and zeros (it is then
 * compared as a string).
 */
export function packKey(key: string, slot: unknown[], at: number): void {
  let inline = key.length <= INLINE_MAX;
  for (let j = 0; j < STRIDE - PACKED; j++) {
    const w = inline && 4 * j < key.length ? packedAt(key, 0, key.length, j) : 0;
    if (w < 0) inline = false;
    slot[at + PACKED + j] = w < 0 ? 0 : w;
  }
  slot[at + 3] = inline ? key.length : -key.length - 1;
}

/** Whether s[start, start + len) is the key packed at slot[at] by packKey (`key` is that key, for long ones). */
export function samePackedKey(slot: readonly unknown[], at: number, key: string, s: string, start: number, len: number): boolean {
  const info = slot[at + 3] as number;
  if (info === len) {
    for (let j = 0; 4 * j < len; j++) if (packedAt(s, start, len, j) !== slot[at + PACKED + j]) return false;
    return true;
  }
  return info === -len - 1 && s.startsWith(key, start);
}

/**
 * Keys → hooks: open addressing, linear probing, Robin Hood placement (a key
 * never sits further from its home slot than the key it passed), so a lookup
 * for an absent word stops after a slot or two. Slot i is slots[8i .. 8i + 7]:
 * the key's hash (0: free), the key, its posting, the key's length, and the key
 * again, packed into small integers when it is short and ASCII, as trigger words
 * mostly are. A probe then checks the word against the slot alone: in a big
 * table, reading the key string as well costs a cache miss per hit, about as
 * much as the slot itself. In front of the slots, `summary` has one bit set per
 * key hash, 8 bits per slot: most absent words (and most prefix lengths of a
 * word) are turned away by an array small enough to stay in cache, where the
 * slots of a big table are not.
 */
class WordTable {
  private slots: (number | string | Posting)[] = new Array<number>(STRIDE * 16).fill(0);
  private mask = 15;
  private summary = new Int32Array(4);
  private summaryShift = 25;
  /** Keys removed since the summary was built: their bits stay set (harmless, a probe goes on to the slots) until it is rebuilt. */
  private stale = 0;
  /** Keys held. */
  count = 0;
  /** The key of the last successful find. */
  hitKey = '';
  /** Prefix tables: keys per length, the longest key, and keys per first UTF-16 unit (low 8 bits) to turn words away early. */
  readonly lengths: number[] = [0];
  maxLength = 0;
  readonly firstUnits: Int32Array | null;

  constructor(prefix: boolean) {
    this.firstUnits = prefix ? new Int32Array(256) : null;
  }

  /** The posting of the key equal to s[start, start + len), if any. */
  find(hash: number, s: string, start: number, len: number): Posting | undefined {
    const bit = Math.imul(hash, 0x9e3779b1) >>> this.summaryShift;
    if ((this.summary[bit >>> 5]! & (1 << (bit & 31))) === 0) return undefined;
    const slots = this.slots;
    const mask = this.mask;
    for (let i = hash & mask, d = 0; ; i = (i + 1) & mask, d++) {
      const b = STRIDE * i;
      const h = slots[b] as number;
      if (h === 0 || ((i - h) & mask) < d) return undefined;
      if (h === hash && samePackedKey(slots, b, slots[b + 1] as string, s, start, len)) {
        this.hitKey = slots[b + 1] as string;
        return slots[b + 2] as Posting;
      }
    }
  }

  private slotOf(hash: number, key: string): number {
    const slots = this.slots;
    const mask = this.mask;
    for (let i = hash & mask, d = 0; ; i = (i + 1) & mask, d++) {
      const h = slots[STRIDE * i] as number;
      if (h === 0 || ((i - h) & mask) < d) return -1;
      if (h === hash && slots[STRIDE * i + 1] === key) return i;
    }
  }

  add(key: string, rec: Rec): void {
    const hash = hashOf(key);
    const at = this.slotOf(hash, key);
    if (at >= 0) {
      const p = this.slots[STRIDE * at + 2] as Posting;
      if (p instanceof Group) p.add(rec);
      else if (p !== rec) this.slots[STRIDE * at + 2] = new Group(p, rec);
      return;
    }
    if ((this.count + 1) * 10 > (this.mask + 1) * 7) this.resize((this.mask + 1) * 2);
    this.put(hash, key, rec);
    this.mark(hash);
    this.count++;
    if (this.firstUnits) {
      while (this.lengths.length <= key.length) this.lengths.push(0);
      this.lengths[key.length]!++;
      if (key.length > this.maxLength) this.maxLength = key.length;
      this.firstUnits[key.charCodeAt(0) & 255]!++;
    }
  }

  remove(key: string, rec: Rec): void {
    const at = this.slotOf(hashOf(key), key);
    if (at < 0) return;
    const p = this.slots[STRIDE * at + 2] as Posting;
    if (p instanceof Group) {
      p.remove(rec);
      if (p.recs.length === 1) this.slots[STRIDE * at + 2] = p.recs[0]!;
      return;
    }
    if (p !== rec) return;
    this.deleteAt(at);
    this.count--;
    if (this.firstUnits) {
      this.lengths[key.length]!--;
      while (this.maxLength > 0 && this.lengths[this.maxLength] === 0) this.maxLength--;
      this.firstUnits[key.charCodeAt(0) & 255]!--;
    }
    if (this.mask > 15 && this.count * 8 < this.mask + 1) this.resize((this.mask + 1) / 2);
    else if (++this.stale > this.count) this.summarize();
  }

  private mark(hash: number): void {
    const bit = Math.imul(hash, 0x9e3779b1) >>> this.summaryShift;
    this.summary[bit >>> 5]! |= 1 << (bit & 31);
  }

  /** Rebuilds the summary for the current capacity (8 bits per slot) from the keys held. */
  private summarize(): void {
    const capacity = this.mask + 1;
    this.summary = new Int32Array(capacity / 4);
    this.summaryShift = 32 - Math.log2(capacity * 8);
    this.stale = 0;
    const slots = this.slots;
    for (let i = 0; i < slots.length; i += STRIDE) if (slots[i] !== 0) this.mark(slots[i] as number);
  }

  /** Writes a key into slot i: its hash, the key, its posting, and its length and packed characters. */
  private write(i: number, hash: number, key: string, posting: Posting): void {
    const slots = this.slots;
    const b = STRIDE * i;
    slots[b] = hash;
    slots[b + 1] = key;
    slots[b + 2] = posting;
    packKey(key, slots, b);
  }

  /** Moves slot j's contents to slot i. */
  private move(i: number, j: number): void {
    const slots = this.slots;
    for (let k = 0; k < STRIDE; k++) slots[STRIDE * i + k] = slots[STRIDE * j + k]!;
  }

  private put(hash: number, key: string, posting: Posting): void {
    const slots = this.slots;
    const mask = this.mask;
    for (let i = hash & mask, d = 0; ; i = (i + 1) & mask, d++) {
      const h = slots[STRIDE * i] as number;
      if (h === 0) {
        this.write(i, hash, key, posting);
        return;
      }
      const theirs = (i - h) & mask;
      if (theirs < d) {
        // This key is further from home than the one here: it takes the slot, and the other one moves on.
        const k = slots[STRIDE * i + 1] as string;
        const p = slots[STRIDE * i + 2] as Posting;
        this.write(i, hash, key, posting);
        hash = h;
        key = k;
        posting = p;
        d = theirs;
      }
    }
  }

  /** Frees slot i and moves the keys after it back by one, up to one that is at home (or a free slot). */
  private deleteAt(i: number): void {
    const slots = this.slots;
    const mask = this.mask;
    for (;;) {
      const j = (i + 1) & mask;
      const h = slots[STRIDE * j] as number;
      if (h === 0 || ((j - h) & mask) === 0) break;
      this.move(i, j);
      i = j;
    }
    for (let k = 0; k < STRIDE; k++) slots[STRIDE * i + k] = 0;
  }

  private resize(capacity: number): void {
    const old = this.slots;
    this.slots = new Array<number>(STRIDE * capacity).fill(0);
    this.mask = capacity - 1;
    for (let i = 0; i < old.length; i += STRIDE) if (old[i] !== 0) this.put(old[i] as number, old[i + 1] as string, old[i + 2] as Posting);
    this.summarize();
  }
}

/** The tables of one matching variant; null while empty. */
class Variant {
  exact: WordTable | null = null;
  prefix: WordTable | null = null;
  /** Case-insensitive: keys and words are lower-cased. */
  constructor(readonly folded: boolean) {}
}

interface RegexEntry extends RegexItem {
  readonly rec: Rec;
  readonly pattern: string;
}

interface TeamFiles<T> {
  team: T[] | null;
  channels: Map<string, T[]>;
}

function pushTo<T>(map: Map<string, TeamFiles<T>>, teamId: string, channelId: string, item: T): void {
  let files = map.get(teamId);
  if (!files) map.set(teamId, (files = {team: null, channels: new Map()}));
  if (!channelId) {
    (files.team ??= []).push(item);
    return;
  }
  const list = files.channels.get(channelId);
  if (list) list.push(item);
  else files.channels.set(channelId, [item]);
}

function dropFrom<T>(map: Map<string, TeamFiles<T>>, teamId: string, channelId: string, item: T): void {
  const files = map.get(teamId);
  if (!files) return;
  if (!channelId) {
    files.team = files.team?.filter((x) => x !== item) ?? null;
    if (files.team?.length === 0) files.team = null;
  } else {
    const list = files.channels.get(channelId)?.filter((x) => x !== item);
    if (list?.length) files.channels.set(channelId, list);
    else files.channels.delete(channelId);
  }
  if (!files.team && files.channels.size === 0) map.delete(teamId);
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Everything the index knows; a rebuild fills a new one and swaps it in. */
class IndexState {
  readonly recs = new Map<string, Rec>();
  readonly first = new Variant(false);
  readonly firstCI = new Variant(true);
  readonly any = new Variant(false);
  readonly anyCI = new Variant(true);
  /**
   * Channel-only hooks by team, then channel, each followed by its flags: they are
   * filed under their exact scope and nowhere else, so a post takes them on their
   * flags alone, without reading their records.
   */
  readonly channelOnly = new Map<string, Map<string, (Rec | number)[]>>();
  /** Channel-only hooks per idHash bucket of their channel: most posts are in channels without any, and this says so cheaply. */
  readonly channelOnlyBuckets = new Int32Array(CHANNEL_BUCKETS);
  readonly regexByTeam = new Map<string, TeamFiles<RegexEntry>>();
  regexDm: RegexEntry[] | null = null;
  readonly regexById = new Map<string, RegexEntry>();
  /** One copy of each team, channel and creator id; thousands of hooks share them. */
  private readonly strings = new Map<string, string>();

  private intern(s: string): string {
    const known = this.strings.get(s);
    if (known !== undefined) return known;
    this.strings.set(s, s);
    return s;
  }

  private variant(kind: Kind): Variant | null {
    switch (kind) {
      case Kind.First:
        return this.first;
      case Kind.FirstCI:
        return this.firstCI;
      case Kind.Any:
        return this.any;
      case Kind.AnyCI:
        return this.anyCI;
      default:
        return null;
    }
  }

  upsert(hook: OutgoingHook): Rec | null {
    this.remove(hook.id);
    if (hook.delete_at) return null;
    let flags = flagsOf(hook);
    let re: RegExp | null = null;
    if (kindOf(flags) === Kind.Regex) {
      try {
        re = compilePattern(hook.match.pattern!, hook.match.case_insensitive);
      } catch {
        // Stored patterns were validated; one that no longer compiles simply never matches.
        flags &= ~KIND_MASK;
      }
    }
    // Copied: the caller's hook may change later, and the record must keep the words it is filed under.
    const words = hook.trigger_words.slice();
    const kind = kindOf(flags);
    const ci = kind === Kind.FirstCI || kind === Kind.AnyCI;
    const lowered = ci ? words.map((w) => w.toLowerCase()) : words;
    const keys = sameList(lowered, words) ? words : lowered;
    if (flags & PREFIX && keys.some((k, i) => k !== '' && keys.some((o, j) => j !== i && o !== k && o.startsWith(k)))) flags |= CHAIN;
    const rec = new Rec(hook.id, this.intern(hook.team_id), this.intern(hook.channel_id), this.intern(hook.creator_id), words, keys, flags);
    this.recs.set(rec.id, rec);
    if (kind === Kind.Channel) {
      let team = this.channelOnly.get(rec.team_id);
      if (!team) this.channelOnly.set(rec.team_id, (team = new Map()));
      const list = team.get(rec.channel_id);
      if (list) list.push(rec, flags);
      else team.set(rec.channel_id, [rec, flags]);
      this.channelOnlyBuckets[rec.channelHash & (CHANNEL_BUCKETS - 1)]!++;
    } else if (kind === Kind.Regex) this.fileRegex({id: rec.id, re: re!, rec, pattern: hook.match.pattern!});
    else {
      // An empty trigger word never matches (posts are split on whitespace into non-empty words).
      const distinct = keys.filter((k, i) => k !== '' && keys.indexOf(k) === i);
      const table = distinct.length > 0 ? this.table(kind, (flags & PREFIX) !== 0, true) : null;
      if (table) for (const k of distinct) table.add(k, rec);
    }
    return rec;
  }

  remove(id: string): void {
    const rec = this.recs.get(id);
    if (!rec) return;
    this.recs.delete(id);
    const kind = kindOf(rec.flags);
    if (kind === Kind.Channel) {
      const team = this.channelOnly.get(rec.team_id);
      const list = team?.get(rec.channel_id);
      const at = list?.indexOf(rec) ?? -1;
      if (at >= 0) list!.splice(at, 2);
      if (list?.length === 0) team!.delete(rec.channel_id);
      if (team?.size === 0) this.channelOnly.delete(rec.team_id);
      this.channelOnlyBuckets[rec.channelHash & (CHANNEL_BUCKETS - 1)]!--;
    } else if (kind === Kind.Regex) this.unfileRegex(rec);
    else {
      const prefix = (rec.flags & PREFIX) !== 0;
      const table = this.table(kind, prefix, false);
      if (!table) return;
      rec.keys.forEach((k, i) => k !== '' && rec.keys.indexOf(k) === i && table.remove(k, rec));
      if (table.count === 0) {
        const v = this.variant(kind)!;
        if (prefix) v.prefix = null;
        else v.exact = null;
      }
    }
  }

  private table(kind: Kind, prefix: boolean, create: boolean): WordTable | null {
    const v = this.variant(kind);
    if (!v) return null;
    if (prefix) return (v.prefix ??= create ? new WordTable(true) : null);
    return (v.exact ??= create ? new WordTable(false) : null);
  }

  private fileRegex(entry: RegexEntry): void {
    const {rec} = entry;
    this.regexById.set(rec.id, entry);
    if (rec.channel_id) pushTo(this.regexByTeam, rec.team_id, rec.channel_id, entry);
    else {
      if (rec.flags & IN_TEAM) pushTo(this.regexByTeam, rec.team_id, '', entry);
      if (rec.flags & IN_DM) (this.regexDm ??= []).push(entry);
    }
  }

  private unfileRegex(rec: Rec): void {
    const entry = this.regexById.get(rec.id);
    if (!entry) return;
    this.regexById.delete(rec.id);
    if (rec.channel_id) dropFrom(this.regexByTeam, rec.team_id, rec.channel_id, entry);
    else {
      dropFrom(this.regexByTeam, rec.team_id, '', entry);
      this.regexDm = this.regexDm?.filter((e) => e !== entry) ?? null;
      if (this.regexDm?.length === 0) this.regexDm = null;
    }
  }

  /** Whether `hook` would be filed exactly as `rec` is, i.e. matches the same posts with the same words. */
  sameMatching(rec: Rec, hook: OutgoingHook): boolean {
    if (hook.delete_at || hook.id !== rec.id || hook.team_id !== rec.team_id || hook.channel_id !== rec.channel_id) return false;
    if (!sameList(hook.trigger_words, rec.trigger_words)) return false;
    const flags = flagsOf(hook);
    if (kindOf(rec.flags) === Kind.Regex) {
      // Case-insensitivity of a regex hook is in its compiled pattern, not in its kind.
      const entry = this.regexById.get(rec.id);
      return entry !== undefined && flags === rec.flags && entry.pattern === hook.match.pattern && entry.re.ignoreCase === hook.match.case_insensitive;
    }
    // A record whose pattern did not compile is filed as None; so is a stored hook with the same pattern.
    return flags === rec.flags || (kindOf(rec.flags) === Kind.None && kindOf(flags) === Kind.Regex && (flags & ~KIND_MASK) === rec.flags);
  }
}

/** Fills a new index state while the current one keeps serving posts; `commit` swaps it in. */
export interface IndexBuilder {
  add(hook: OutgoingHook): void;
  commit(): void;
}

const NO_MATCHES: readonly TriggerMatch[] = Object.freeze([]);
const EPOCH_LIMIT = 0x3fffffff;

export class TriggerIndex {
  private s = new IndexState();
  /** Whole hooks recently resolved, most recent last; kept equal to what the store holds by upsert/remove/rebuilds. */
  private readonly cache = new Map<string, OutgoingHook>();
  private readonly loading = new Map<string, Promise<OutgoingHook | null>>();
  private readonly load: ((id: string) => Promise<OutgoingHook | null>) | null;
  private readonly cacheSize: number;
  /** Index entries touched by the last match(): what the per-post cost is made of. */
  lastExamined = 0;

  constructor(
    private readonly runner: RegexRunner,
    options: TriggerIndexOptions = {},
  ) {
    this.load = options.load ?? null;
    this.cacheSize = options.cacheSize ?? 1024;
  }

  get size(): number {
    return this.s.recs.size;
  }

  get(id: string): IndexedHook | undefined {
    return this.s.recs.get(id);
  }

  /** Every hook of a team, enabled or not (for duplicate checks). */
  teamHooks(teamId: string): IndexedHook[] {
    const out: IndexedHook[] = [];
    for (const rec of this.s.recs.values()) if (rec.team_id === teamId) out.push(rec);
    return out;
  }

  replaceAll(hooks: Iterable<OutgoingHook>): void {
    const b = this.rebuilding();
    for (const h of hooks) b.add(h);
    b.commit();
  }

  /**
   * A refresh of the serving index from every stored hook, read one by one: a
   * hook filed as it already is stays as it is, a changed or new one is filed
   * anew at once, and those not seen by commit() are removed then. A rebuild
   * beside the serving index would hold two of them at the peak (with 100k
   * hooks, RSS went from 124 to 252 MiB); this one allocates only for what
   * changed. Each hook is at least as fresh as before at every step, and a
   * refresh that stops half-way removes nothing. An empty index is built
   * from scratch.
   */
  refreshing(): IndexBuilder {
    if (this.s.recs.size === 0) return this.rebuilding();
    const s = this.s;
    const seen = new Set<string>();
    return {
      add: (hook) => {
        if (this.s !== s) return;
        seen.add(hook.id);
        const rec = s.recs.get(hook.id);
        if (!rec || rec.creator_id !== hook.creator_id || !s.sameMatching(rec, hook)) s.upsert(hook);
        this.refreshCached(hook);
      },
      commit: () => {
        if (this.s !== s) return;
        const gone: string[] = [];
        for (const id of s.recs.keys()) if (!seen.has(id)) gone.push(id);
        for (const id of gone) this.remove(id);
      },
    };
  }

  /** A rebuild from hooks read one by one: nothing but the compact records is kept while it runs. */
  rebuilding(): IndexBuilder {
    const next = new IndexState();
    return {
      add: (hook) => {
        next.upsert(hook);
        this.refreshCached(hook);
      },
      commit: () => {
        this.s = next;
        for (const id of this.cache.keys()) if (!next.recs.has(id)) this.cache.delete(id);
      },
    };
  }

  upsert(hook: OutgoingHook): void {
    this.s.upsert(hook);
    this.refreshCached(hook);
  }

  remove(id: string): void {
    this.s.remove(id);
    this.cache.delete(id);
  }

  private refreshCached(hook: OutgoingHook): void {
    if (!this.cache.has(hook.id)) return;
    if (hook.delete_at) this.cache.delete(hook.id);
    else this.cache.set(hook.id, hook);
  }

  // --- matching. Scratch state of the match in progress (match is synchronous). ---

  private epoch = 0;
  private mask = 0;
  private dm = false;
  private teamId = '';
  private channelId = '';
  private channelHash = 0;
  private readonly foundRecs: Rec[] = [];
  private readonly foundWords: string[] = [];

  /** Every hook the post triggers, each with its own trigger word. */
  match(post: PostContext): readonly TriggerMatch[] {
    const s = this.s;
    this.lastExamined = 0;
    if (s.recs.size === 0) return NO_MATCHES;
    if (this.epoch === EPOCH_LIMIT) {
      for (const rec of s.recs.values()) rec.seen = 0;
      this.epoch = 0;
    }
    this.epoch++;
    this.dm = post.channelType === 'D' || post.channelType === 'G';
    this.teamId = post.teamId;
    this.channelId = post.channelId;
    this.channelHash = idHash(post.channelId);
    this.mask = eventBit(post.event) | typeBit(post.channelType);
    const text = post.text;

    if (!this.dm && s.channelOnly.size > 0 && s.channelOnlyBuckets[this.channelHash & (CHANNEL_BUCKETS - 1)]! > 0) {
      const list = s.channelOnly.get(post.teamId)?.get(post.channelId);
      if (list) {
        this.lastExamined += list.length / 2;
        for (let i = 0; i < list.length; i += 2) if (((list[i + 1] as number) & this.mask) === this.mask) this.found(list[i] as Rec, '');
      }
    }
    const {first, firstCI, any, anyCI} = s;
    const firstLive = first.exact !== null || first.prefix !== null;
    const firstCILive = firstCI.exact !== null || firstCI.prefix !== null;
    if (firstLive || firstCILive) {
      let start = 0;
      while (start < text.length && isGoSpace(text.charCodeAt(start))) start++;
      let end = start;
      while (end < text.length && !isGoSpace(text.charCodeAt(end))) end++;
      if (end > start) {
        if (firstLive) this.probe(first, text, start, end);
        if (firstCILive) {
          const lower = text.slice(start, end).toLowerCase();
          this.probe(firstCI, lower, 0, lower.length);
        }
      }
    }
    const anyLive = any.exact !== null || any.prefix !== null;
    const anyCILive = anyCI.exact !== null || anyCI.prefix !== null;
    if (anyLive || anyCILive) {
      for (let i = 0; i < text.length; ) {
        while (i < text.length && isGoSpace(text.charCodeAt(i))) i++;
        const start = i;
        while (i < text.length && !isGoSpace(text.charCodeAt(i))) i++;
        if (i === start) break;
        if (anyLive) this.probe(any, text, start, i);
        if (anyCILive) {
          const lower = text.slice(start, i).toLowerCase();
          this.probe(anyCI, lower, 0, lower.length);
        }
      }
    }
    if (s.regexById.size > 0) this.regex(post);

    const n = this.foundRecs.length;
    if (n === 0) return NO_MATCHES;
    const out = new Array<TriggerMatch>(n);
    for (let i = 0; i < n; i++) out[i] = {hook: this.foundRecs[i]!, triggerWord: this.foundWords[i]!};
    this.foundRecs.length = 0;
    this.foundWords.length = 0;
    return out;
  }

  /** Looks the word s[start, end) up in a variant's tables: the exact word, and each of its prefixes as long as some key. */
  private probe(v: Variant, s: string, start: number, end: number): void {
    const exact = v.exact;
    const prefix = v.prefix;
    const len = end - start;
    let upto = 0;
    if (prefix !== null && prefix.firstUnits![s.charCodeAt(start) & 255]! > 0) upto = Math.min(prefix.maxLength, len);
    const hashed = exact !== null ? len : upto;
    let h = SEED;
    for (let i = 0; i < hashed; ) {
      h = Math.imul(h ^ s.charCodeAt(start + i), FNV_PRIME);
      i++;
      if (i <= upto && prefix!.lengths[i]! > 0) {
        const p = prefix!.find(finish(h), s, start, i);
        // Case-sensitive keys are the words themselves: the key found is the word to report, unless the hook's keys chain.
        if (p !== undefined) this.collect(p, s, start, len, true, v.folded ? null : prefix!.hitKey);
      }
    }
    if (exact !== null) {
      const p = exact.find(finish(h), s, start, len);
      // A case-sensitive exact hit reports the key itself, without reading the hook's words.
      if (p !== undefined) this.collect(p, s, start, len, false, v.folded ? null : exact.hitKey);
    }
  }

  /** `word`: the trigger to report when the key tells it (for a hook whose keys do not chain), else null (found from each hook's list). */
  private collect(p: Posting, s: string, start: number, len: number, prefix: boolean, word: string | null): void {
    if (p instanceof Rec) {
      if (this.accept(p)) this.found(p, wordOf(p, word, s, start, len, prefix));
      return;
    }
    if (p.byScope === null) {
      for (const rec of p.recs) if (this.accept(rec)) this.found(rec, wordOf(rec, word, s, start, len, prefix));
      return;
    }
    const lists = this.dm ? [p.byScope.get('')] : [p.byScope.get(this.channelId), p.byScope.get(this.teamId)];
    for (const list of lists) if (list) for (const rec of list) if (this.accept(rec)) this.found(rec, wordOf(rec, word, s, start, len, prefix));
  }

  /** Whether a hook filed under the post's word or channel takes this post: its scope, its event and channel types, and not already found. */
  private accept(rec: Rec): boolean {
    const f = rec.flags;
    if (this.dm) {
      if ((f & IN_DM) === 0) return false;
    } else if (rec.channelHash !== 0) {
      if (rec.channelHash !== this.channelHash || rec.channel_id !== this.channelId || rec.team_id !== this.teamId) return false;
    } else if ((f & IN_TEAM) === 0 || rec.team_id !== this.teamId) return false;
    this.lastExamined++;
    if (rec.seen === this.epoch) return false;
    rec.seen = this.epoch;
    return (f & this.mask) === this.mask;
  }

  private found(rec: Rec, word: string): void {
    this.foundRecs.push(rec);
    this.foundWords.push(word);
  }

  private regex(post: PostContext): void {
    const s = this.s;
    const items: RegexEntry[] = [];
    if (this.dm) {
      if (s.regexDm) items.push(...s.regexDm);
    } else {
      const files = s.regexByTeam.get(post.teamId);
      const channel = files?.channels.get(post.channelId);
      if (channel) items.push(...channel);
      if (files?.team) items.push(...files.team);
    }
    if (items.length === 0) return;
    this.lastExamined += items.length;
    const results = this.runner.run(items, post.text);
    for (const item of items) {
      const text = results.get(item.id);
      if (text === null || text === undefined) continue;
      const rec = item.rec;
      this.lastExamined++;
      if (rec.seen === this.epoch) continue;
      rec.seen = this.epoch;
      if ((rec.flags & this.mask) === this.mask) this.found(rec, text);
    }
  }

  // --- whole hooks ---

  /** Starts reading the whole hooks of likely matches, so that `resolve` finds them ready. */
  prefetch(matches: readonly TriggerMatch[]): void {
    for (const m of matches) this.whole(m.hook.id).catch(() => undefined);
  }

  /**
   * The whole hooks of `matches` (found for `post`), as stored now. A hook deleted
   * since is left out; one changed since (its change notice not applied here yet)
   * is matched again, on its stored version, against the post.
   */
  async resolve(matches: readonly TriggerMatch[], post: PostContext): Promise<ResolvedMatch[]> {
    const hooks = await Promise.all(matches.map((m) => this.whole(m.hook.id)));
    const out: ResolvedMatch[] = [];
    matches.forEach((m, i) => {
      const hook = hooks[i];
      if (!hook || hook.delete_at) return;
      const rec = this.s.recs.get(hook.id);
      if (rec && this.s.sameMatching(rec, hook)) {
        out.push({hook, triggerWord: m.triggerWord});
        return;
      }
      const alone = new TriggerIndex(this.runner);
      alone.upsert(hook);
      const again = alone.match(post)[0];
      if (again) out.push({hook, triggerWord: again.triggerWord});
    });
    return out;
  }

  private whole(id: string): Promise<OutgoingHook | null> {
    const cached = this.cache.get(id);
    if (cached) {
      // Most recently used last, so the oldest is the first to go.
      this.cache.delete(id);
      this.cache.set(id, cached);
      return Promise.resolve(cached);
    }
    const pending = this.loading.get(id);
    if (pending) return pending;
    if (!this.load) return Promise.reject(new Error('This trigger index has no way to read whole hooks.'));
    const rec = this.s.recs.get(id);
    const read = this.load(id).then(
      (hook) => {
        this.loading.delete(id);
        // Kept only if nothing changed the hook meanwhile: an upsert during the read may be newer.
        if (hook && rec && this.s.recs.get(id) === rec && this.s.sameMatching(rec, hook)) this.remember(hook);
        return hook;
      },
      (err: unknown) => {
        this.loading.delete(id);
        throw err;
      },
    );
    this.loading.set(id, read);
    return read;
  }

  private remember(hook: OutgoingHook): void {
    this.cache.delete(hook.id);
    this.cache.set(hook.id, hook);
    if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value!);
  }
}

/**
 * The trigger reported for a hook found under s[start, start + len): `known`
 * when the key found tells it and the hook's keys do not chain, else the first
 * listed that matches (keys hold them as looked up).
 */
function wordOf(rec: Rec, known: string | null, s: string, start: number, len: number, prefix: boolean): string {
  if (known !== null && (rec.flags & CHAIN) === 0) return known;
  const keys = rec.keys;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    if (k.length === 0 || (prefix ? k.length > len : k.length !== len)) continue;
    if (s.startsWith(k, start)) return rec.trigger_words[i]!;
  }
  return '';
}

