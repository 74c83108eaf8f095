// Which outgoing hooks a post triggers, without looking at every hook.
//
// Hooks are grouped by scope: a team's channel (hooks bound to one channel), a
// team (hooks for any channel of the team) and direct/group messages (which have
// no team). Within a scope, exact trigger words sit in hash maps and prefix
// triggers in tries, per matching variant (first word or any word, case-sensitive
// or not). A post looks up at most two scopes and walks its words through them,
// so the cost depends on the message, not on how many hooks exist. Only regex
// hooks are evaluated one by one, and only those of the post's scopes.

import type {OutgoingEvent, OutgoingHook} from './model.js';
import {compilePattern, type RegexItem, type RegexRunner} from './safe-regex.js';
import {fields, firstWord} from './text.js';

export interface PostContext {
  readonly text: string;
  readonly channelId: string;
  /** '' for direct and group messages. */
  readonly teamId: string;
  readonly channelType: string;
  readonly event: OutgoingEvent;
}

export interface TriggerMatch {
  readonly hook: OutgoingHook;
  /** The trigger word that matched this hook ('' for channel-only hooks; the matched text for regex hooks). */
  readonly triggerWord: string;
}

type Variant = 'first' | 'firstCI' | 'any' | 'anyCI';

/** Where a hook is filed: one channel of a team, a whole team, or direct and group messages. */
type ScopeRef = {kind: 'channel'; teamId: string; channelId: string} | {kind: 'team'; teamId: string} | {kind: 'dm'};

interface Registered {
  readonly hook: OutgoingHook;
  readonly scopes: readonly ScopeRef[];
  readonly variant: Variant | 'channel' | 'regex' | null;
  readonly regex: RegExp | null;
}

/**
 * Hook → position of the trigger word in its list (the lowest, for duplicates).
 * Keyed by the registration itself, so a hit needs no further lookup.
 */
type Entries = Map<Registered, number>;

interface TrieNode {
  /** Keyed by UTF-16 code unit: a trigger is a whole string, so unit prefixes are character prefixes. */
  children: Map<number, TrieNode>;
  entries: Entries | null;
}

class Trie {
  readonly root: TrieNode = {children: new Map(), entries: null};

  add(word: string, reg: Registered, position: number): void {
    let node = this.root;
    for (let i = 0; i < word.length; i++) {
      const c = word.charCodeAt(i);
      let next = node.children.get(c);
      if (!next) {
        next = {children: new Map(), entries: null};
        node.children.set(c, next);
      }
      node = next;
    }
    node.entries ??= new Map();
    node.entries.set(reg, Math.min(node.entries.get(reg) ?? Infinity, position));
  }

  remove(word: string, reg: Registered): void {
    const path: TrieNode[] = [this.root];
    let node = this.root;
    for (let i = 0; i < word.length; i++) {
      const next = node.children.get(word.charCodeAt(i));
      if (!next) return;
      path.push(next);
      node = next;
    }
    node.entries?.delete(reg);
    if (node.entries?.size === 0) node.entries = null;
    // Prune the branch so deleted hooks leave no garbage behind.
    for (let i = path.length - 1; i > 0; i--) {
      const n = path[i]!;
      if (n.entries || n.children.size > 0) break;
      path[i - 1]!.children.delete(word.charCodeAt(i - 1));
    }
  }
}

/**
 * Exact words and prefixes for one matching variant. Empty parts stay null and
 * `starts` lists the first characters of the prefixes, so a word that cannot
 * match is turned away without touching the maps (which are cold in big indexes).
 */
class WordIndex {
  exact: Map<string, Entries> | null = null;
  readonly prefix = new Trie();
  starts = '';
  size = 0;

  add(word: string, reg: Registered, position: number, isPrefix: boolean): void {
    this.size++;
    if (isPrefix) {
      this.prefix.add(word, reg, position);
      if (!this.starts.includes(word[0]!)) this.starts += word[0];
      return;
    }
    this.exact ??= new Map();
    let entries = this.exact.get(word);
    if (!entries) this.exact.set(word, (entries = new Map()));
    entries.set(reg, Math.min(entries.get(reg) ?? Infinity, position));
  }

  remove(word: string, reg: Registered, isPrefix: boolean): void {
    this.size--;
    if (isPrefix) {
      this.prefix.remove(word, reg);
      const c = word.charCodeAt(0);
      if (!this.prefix.root.children.has(c)) this.starts = this.starts.replace(word[0]!, '');
      return;
    }
    const entries = this.exact?.get(word);
    entries?.delete(reg);
    if (entries?.size === 0) this.exact!.delete(word);
    if (this.exact?.size === 0) this.exact = null;
  }
}

/** The hooks of one scope; parts no hook uses stay null, to keep scopes small and quick to pass over. */
class Scope {
  first: WordIndex | null = null;
  firstCI: WordIndex | null = null;
  any: WordIndex | null = null;
  anyCI: WordIndex | null = null;
  channelOnly: Registered[] | null = null;
  regex: Registered[] | null = null;

  wordIndex(variant: Variant): WordIndex {
    return (this[variant] ??= new WordIndex());
  }

  dropEmpty(): void {
    for (const v of ['first', 'firstCI', 'any', 'anyCI'] as const) if (this[v]?.size === 0) this[v] = null;
    if (this.channelOnly?.length === 0) this.channelOnly = null;
    if (this.regex?.length === 0) this.regex = null;
  }

  get empty(): boolean {
    return !this.first && !this.firstCI && !this.any && !this.anyCI && !this.channelOnly && !this.regex;
  }
}

function without<T>(list: T[] | null, item: T): T[] | null {
  if (!list) return null;
  const out = list.filter((x) => x !== item);
  return out.length > 0 ? out : null;
}

interface TeamScopes {
  team: Scope | null;
  channels: Map<string, Scope>;
}

function scopesOf(hook: OutgoingHook): ScopeRef[] {
  if (hook.channel_id) return [{kind: 'channel', teamId: hook.team_id, channelId: hook.channel_id}];
  const out: ScopeRef[] = [];
  if (hook.channel_types.includes('O') || hook.channel_types.includes('P')) out.push({kind: 'team', teamId: hook.team_id});
  if (hook.channel_types.includes('D') || hook.channel_types.includes('G')) out.push({kind: 'dm'});
  return out;
}

function variantOf(hook: OutgoingHook): Registered['variant'] {
  if (hook.match.mode === 'regex') return hook.match.pattern ? 'regex' : null;
  if (hook.trigger_words.length === 0) return hook.channel_id ? 'channel' : null;
  const ci = hook.match.case_insensitive;
  if (hook.match.mode === 'anywhere') return ci ? 'anyCI' : 'any';
  return ci ? 'firstCI' : 'first';
}

const lower = (s: string): string => s.toLowerCase();
const same = (s: string): string => s;
const NO_MATCHES: readonly TriggerMatch[] = Object.freeze([]);

export class TriggerIndex {
  private readonly registered = new Map<string, Registered>();
  private readonly teams = new Map<string, TeamScopes>();
  private dm: Scope | null = null;
  private readonly byTeam = new Map<string, Set<string>>();
  /** Index entries touched by the last match(): what the per-post cost is made of. */
  lastExamined = 0;

  constructor(private readonly runner: RegexRunner) {}

  get size(): number {
    return this.registered.size;
  }

  get(id: string): OutgoingHook | undefined {
    return this.registered.get(id)?.hook;
  }

  /** Every hook of a team, enabled or not (for duplicate checks). */
  teamHooks(teamId: string): OutgoingHook[] {
    return [...(this.byTeam.get(teamId) ?? [])].map((id) => this.registered.get(id)!.hook);
  }

  replaceAll(hooks: readonly OutgoingHook[]): void {
    this.registered.clear();
    this.teams.clear();
    this.dm = null;
    this.byTeam.clear();
    for (const h of hooks) this.upsert(h);
  }

  upsert(hook: OutgoingHook): void {
    this.remove(hook.id);
    if (hook.delete_at) return;
    const variant = hook.enabled ? variantOf(hook) : null;
    let regex: RegExp | null = null;
    if (variant === 'regex') {
      try {
        regex = compilePattern(hook.match.pattern!, hook.match.case_insensitive);
      } catch {
        // Stored patterns were validated; one that no longer compiles simply never matches.
      }
    }
    const scopes = variant && (variant !== 'regex' || regex) ? scopesOf(hook) : [];
    const reg: Registered = {hook, scopes, variant, regex};
    this.registered.set(hook.id, reg);
    let team = this.byTeam.get(hook.team_id);
    if (!team) this.byTeam.set(hook.team_id, (team = new Set()));
    team.add(hook.id);
    for (const ref of scopes) this.edit(this.scope(ref, true)!, reg, true);
  }

  remove(id: string): void {
    const reg = this.registered.get(id);
    if (!reg) return;
    this.registered.delete(id);
    const team = this.byTeam.get(reg.hook.team_id);
    team?.delete(id);
    if (team?.size === 0) this.byTeam.delete(reg.hook.team_id);
    for (const ref of reg.scopes) {
      const scope = this.scope(ref, false);
      if (!scope) continue;
      this.edit(scope, reg, false);
      if (scope.empty) this.drop(ref);
    }
  }

  private scope(ref: ScopeRef, create: boolean): Scope | null {
    if (ref.kind === 'dm') {
      if (!this.dm && create) this.dm = new Scope();
      return this.dm;
    }
    let team = this.teams.get(ref.teamId);
    if (!team) {
      if (!create) return null;
      this.teams.set(ref.teamId, (team = {team: null, channels: new Map()}));
    }
    if (ref.kind === 'team') {
      if (!team.team && create) team.team = new Scope();
      return team.team;
    }
    let scope = team.channels.get(ref.channelId) ?? null;
    if (!scope && create) team.channels.set(ref.channelId, (scope = new Scope()));
    return scope;
  }

  private drop(ref: ScopeRef): void {
    if (ref.kind === 'dm') {
      this.dm = null;
      return;
    }
    const team = this.teams.get(ref.teamId);
    if (!team) return;
    if (ref.kind === 'team') team.team = null;
    else team.channels.delete(ref.channelId);
    if (!team.team && team.channels.size === 0) this.teams.delete(ref.teamId);
  }

  private edit(scope: Scope, reg: Registered, add: boolean): void {
    const {hook, variant} = reg;
    if (variant === 'channel') {
      scope.channelOnly = add ? [...(scope.channelOnly ?? []), reg] : without(scope.channelOnly, reg);
    } else if (variant === 'regex') {
      scope.regex = add ? [...(scope.regex ?? []), reg] : without(scope.regex, reg);
    } else if (variant) {
      const words = scope.wordIndex(variant);
      const isPrefix = hook.trigger_when === 1;
      const norm = variant === 'firstCI' || variant === 'anyCI' ? lower : same;
      hook.trigger_words.forEach((w, i) => (add ? words.add(norm(w), reg, i, isPrefix) : words.remove(norm(w), reg, isPrefix)));
    }
    if (!add) scope.dropEmpty();
  }

  // Scratch state of the match in progress (match is synchronous), so a post that
  // triggers nothing allocates nothing.
  private found: Map<Registered, string> | null = null;
  private regexItems: (RegexItem & {reg: Registered})[] | null = null;
  private words: string[] | null = null;

  /** Every hook the post triggers, each with its own trigger word. */
  match(post: PostContext): readonly TriggerMatch[] {
    this.lastExamined = 0;
    let channelScope: Scope | null | undefined;
    let teamScope: Scope | null | undefined;
    if (post.channelType === 'D' || post.channelType === 'G') {
      teamScope = this.dm;
    } else {
      const team = this.teams.get(post.teamId);
      if (!team) return NO_MATCHES;
      channelScope = team.channels.get(post.channelId);
      teamScope = team.team;
    }
    if (!channelScope && !teamScope) return NO_MATCHES;
    this.found = null;
    this.regexItems = null;
    this.words = null;
    const head = firstWord(post.text);
    if (channelScope) this.scan(channelScope, post.text, head);
    if (teamScope) this.scan(teamScope, post.text, head);
    const regexItems = this.regexItems as (RegexItem & {reg: Registered})[] | null;
    if (regexItems) {
      this.lastExamined += regexItems.length;
      const results = this.runner.run(regexItems, post.text);
      for (const item of regexItems) {
        const text = results.get(item.id);
        if (text !== null && text !== undefined) this.hit(item.reg, text);
      }
    }
    const found = this.found as Map<Registered, string> | null;
    this.found = null;
    this.regexItems = null;
    this.words = null;
    if (!found) return NO_MATCHES;

    const out: TriggerMatch[] = [];
    for (const [{hook}, triggerWord] of found) {
      if (!hook.events.includes(post.event)) continue;
      if (!hook.channel_types.includes(post.channelType as OutgoingHook['channel_types'][number])) continue;
      out.push({hook, triggerWord});
    }
    return out;
  }

  /** Records a triggered hook; the first trigger found for a hook is the one it gets. */
  private hit(reg: Registered, triggerWord: string): void {
    this.lastExamined++;
    const found = (this.found ??= new Map());
    if (!found.has(reg)) found.set(reg, triggerWord);
  }

  private scan(scope: Scope, text: string, head: string): void {
    if (scope.channelOnly) for (const reg of scope.channelOnly) this.hit(reg, '');
    const {first, firstCI, any, anyCI} = scope;
    if (first) this.collect(first, head);
    if (firstCI) this.collect(firstCI, lower(head));
    if (any || anyCI) {
      this.words ??= fields(text);
      for (const word of this.words) {
        if (any) this.collect(any, word);
        if (anyCI) this.collect(anyCI, lower(word));
      }
    }
    if (scope.regex) {
      const items = (this.regexItems ??= []);
      for (const reg of scope.regex) items.push({id: reg.hook.id, re: reg.regex!, reg});
    }
  }

  /** Adds the hooks `word` triggers in `index`, each with its trigger word. */
  private collect(index: WordIndex, word: string): void {
    if (word === '') return;
    const exact = index.exact?.get(word);
    if (exact) for (const [reg, pos] of exact) this.hit(reg, reg.hook.trigger_words[pos]!);
    if (!index.starts.includes(word[0]!)) return;
    // Several prefixes of the word may belong to one hook: its first listed one wins.
    let best: Map<Registered, number> | null = null;
    let node: TrieNode | undefined = index.prefix.root;
    for (let i = 0; i < word.length; i++) {
      node = node.children.get(word.charCodeAt(i));
      if (!node) break;
      if (!node.entries) continue;
      best ??= new Map();
      for (const [reg, pos] of node.entries) {
        const seen = best.get(reg);
        if (seen === undefined || pos < seen) best.set(reg, pos);
      }
    }
    if (best) for (const [reg, pos] of best) this.hit(reg, reg.hook.trigger_words[pos]!);
  }
}
