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

/** hook id → position of the trigger word in the hook's list (the lowest, for duplicates). */
type Entries = Map<string, number>;

interface TrieNode {
  children: Map<string, TrieNode>;
  entries: Entries | null;
}

class Trie {
  private readonly root: TrieNode = {children: new Map(), entries: null};

  add(word: string, id: string, position: number): void {
    let node = this.root;
    for (const ch of word) {
      let next = node.children.get(ch);
      if (!next) {
        next = {children: new Map(), entries: null};
        node.children.set(ch, next);
      }
      node = next;
    }
    node.entries ??= new Map();
    node.entries.set(id, Math.min(node.entries.get(id) ?? Infinity, position));
  }

  remove(word: string, id: string): void {
    const path: TrieNode[] = [this.root];
    let node = this.root;
    for (const ch of word) {
      const next = node.children.get(ch);
      if (!next) return;
      path.push(next);
      node = next;
    }
    node.entries?.delete(id);
    if (node.entries?.size === 0) node.entries = null;
    // Prune the branch so deleted hooks leave no garbage behind.
    const chars = [...word];
    for (let i = path.length - 1; i > 0; i--) {
      const n = path[i]!;
      if (n.entries || n.children.size > 0) break;
      path[i - 1]!.children.delete(chars[i - 1]!);
    }
  }

  /** Calls `visit` with the entries of every trigger that is a prefix of `word`. */
  prefixesOf(word: string, visit: (entries: Entries) => void): void {
    let node: TrieNode | undefined = this.root;
    for (const ch of word) {
      node = node.children.get(ch);
      if (!node) return;
      if (node.entries) visit(node.entries);
    }
  }
}

/** Exact words and prefixes for one matching variant. */
class WordIndex {
  readonly exact = new Map<string, Entries>();
  readonly prefix = new Trie();
  size = 0;

  add(word: string, id: string, position: number, isPrefix: boolean): void {
    this.size++;
    if (isPrefix) {
      this.prefix.add(word, id, position);
      return;
    }
    let entries = this.exact.get(word);
    if (!entries) this.exact.set(word, (entries = new Map()));
    entries.set(id, Math.min(entries.get(id) ?? Infinity, position));
  }

  remove(word: string, id: string, isPrefix: boolean): void {
    this.size--;
    if (isPrefix) {
      this.prefix.remove(word, id);
      return;
    }
    const entries = this.exact.get(word);
    entries?.delete(id);
    if (entries?.size === 0) this.exact.delete(word);
  }

  /** Hook id → lowest matching trigger position, for one word. */
  lookup(word: string, into: Map<string, number>): void {
    const merge = (entries: Entries): void => {
      for (const [id, pos] of entries) into.set(id, Math.min(into.get(id) ?? Infinity, pos));
    };
    const exact = this.exact.get(word);
    if (exact) merge(exact);
    this.prefix.prefixesOf(word, merge);
  }
}

type Variant = 'first' | 'firstCI' | 'any' | 'anyCI';

class Scope {
  readonly words: Record<Variant, WordIndex> = {first: new WordIndex(), firstCI: new WordIndex(), any: new WordIndex(), anyCI: new WordIndex()};
  readonly channelOnly = new Set<string>();
  readonly regex = new Set<string>();

  get empty(): boolean {
    return this.channelOnly.size === 0 && this.regex.size === 0 && Object.values(this.words).every((w) => w.size === 0);
  }
}

interface Registered {
  readonly hook: OutgoingHook;
  readonly scopes: readonly string[];
  readonly variant: Variant | 'channel' | 'regex' | null;
  readonly regex: RegExp | null;
}

const DM_SCOPE = '\u0000dm';

function scopesOf(hook: OutgoingHook): string[] {
  if (hook.channel_id) return [`${hook.team_id}\u0000${hook.channel_id}`];
  const out: string[] = [];
  if (hook.channel_types.includes('O') || hook.channel_types.includes('P')) out.push(`${hook.team_id}\u0000*`);
  if (hook.channel_types.includes('D') || hook.channel_types.includes('G')) out.push(DM_SCOPE);
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

export class TriggerIndex {
  private readonly registered = new Map<string, Registered>();
  private readonly scopes = new Map<string, Scope>();
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
    this.scopes.clear();
    this.byTeam.clear();
    for (const h of hooks) this.upsert(h);
  }

  upsert(hook: OutgoingHook): void {
    this.remove(hook.id);
    if (hook.delete_at) return;
    const live = hook.enabled;
    const variant = live ? variantOf(hook) : null;
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
    for (const key of scopes) this.edit(key, reg, true);
  }

  remove(id: string): void {
    const reg = this.registered.get(id);
    if (!reg) return;
    this.registered.delete(id);
    const team = this.byTeam.get(reg.hook.team_id);
    team?.delete(id);
    if (team?.size === 0) this.byTeam.delete(reg.hook.team_id);
    for (const key of reg.scopes) this.edit(key, reg, false);
  }

  private edit(key: string, reg: Registered, add: boolean): void {
    let scope = this.scopes.get(key);
    if (!scope) {
      if (!add) return;
      this.scopes.set(key, (scope = new Scope()));
    }
    const {hook, variant} = reg;
    if (variant === 'channel') {
      if (add) scope.channelOnly.add(hook.id);
      else scope.channelOnly.delete(hook.id);
    } else if (variant === 'regex') {
      if (add) scope.regex.add(hook.id);
      else scope.regex.delete(hook.id);
    } else if (variant) {
      const words = scope.words[variant];
      const isPrefix = hook.trigger_when === 1;
      const norm = variant === 'firstCI' || variant === 'anyCI' ? lower : (s: string) => s;
      hook.trigger_words.forEach((w, i) => (add ? words.add(norm(w), hook.id, i, isPrefix) : words.remove(norm(w), hook.id, isPrefix)));
    }
    if (!add && scope.empty) this.scopes.delete(key);
  }

  /** Every hook the post triggers, each with its own trigger word. */
  match(post: PostContext): TriggerMatch[] {
    this.lastExamined = 0;
    const isDM = post.channelType === 'D' || post.channelType === 'G';
    const keys = isDM ? [DM_SCOPE] : [`${post.teamId}\u0000${post.channelId}`, `${post.teamId}\u0000*`];
    const found = new Map<string, string>();
    const regexItems: RegexItem[] = [];
    let words: string[] | null = null;
    const first = firstWord(post.text);

    const collect = (index: WordIndex, word: string): void => {
      if (index.size === 0 || word === '') return;
      const hits = new Map<string, number>();
      index.lookup(word, hits);
      for (const [id, pos] of hits) {
        this.lastExamined++;
        if (!found.has(id)) found.set(id, this.registered.get(id)!.hook.trigger_words[pos]!);
      }
    };

    for (const key of keys) {
      const scope = this.scopes.get(key);
      if (!scope) continue;
      for (const id of scope.channelOnly) {
        this.lastExamined++;
        found.set(id, '');
      }
      collect(scope.words.first, first);
      collect(scope.words.firstCI, lower(first));
      if (scope.words.any.size > 0 || scope.words.anyCI.size > 0) {
        words ??= fields(post.text);
        for (const w of words) {
          collect(scope.words.any, w);
          collect(scope.words.anyCI, lower(w));
        }
      }
      for (const id of scope.regex) regexItems.push({id, re: this.registered.get(id)!.regex!});
    }
    this.lastExamined += regexItems.length;
    for (const [id, text] of this.runner.run(regexItems, post.text)) if (text !== null) found.set(id, text);

    const out: TriggerMatch[] = [];
    for (const [id, triggerWord] of found) {
      const hook = this.registered.get(id)!.hook;
      if (!hook.events.includes(post.event)) continue;
      if (!hook.channel_types.includes(post.channelType as OutgoingHook['channel_types'][number])) continue;
      out.push({hook, triggerWord});
    }
    return out;
  }
}
