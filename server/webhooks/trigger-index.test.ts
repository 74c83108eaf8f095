import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {defaultMatch, type OutgoingHook} from './model.js';
import {makeHook} from './test-fixtures.js';
import {RegexRunner} from './safe-regex.js';
import {fields, firstWord} from './text.js';
import {packKey, samePackedKey, TriggerIndex, type PostContext} from './trigger-index.js';

const TEAM = 'team0000000000000000000001';
const CHAN = 'chan0000000000000000000001';
const OTHER = 'chan0000000000000000000002';

const post = (text: string, over: Partial<PostContext> = {}): PostContext => ({text, channelId: CHAN, teamId: TEAM, channelType: 'O', event: 'posted', ...over});

/** The index keeps no display names: the tests remember them by hook id. */
const names = new Map<string, string>();
function hook(over: Partial<OutgoingHook> = {}): OutgoingHook {
  const h = makeHook(over);
  names.set(h.id, h.display_name);
  return h;
}

function matchNames(index: TriggerIndex, ctx: PostContext): string[] {
  return index
    .match(ctx)
    .map((m) => `${names.get(m.hook.id) ?? m.hook.id}:${m.triggerWord}`)
    .sort();
}

describe('trigger index: Mattermost semantics', () => {
  const cases: {name: string; hooks: Partial<OutgoingHook>[]; text: string; ctx?: Partial<PostContext>; want: string[]}[] = [
    {name: 'first word equals a trigger', hooks: [{display_name: 'a', trigger_words: ['build', 'deploy']}], text: 'deploy now', want: ['a:deploy']},
    {name: 'later words do not count', hooks: [{display_name: 'a', trigger_words: ['deploy']}], text: 'please deploy', want: []},
    {name: 'case-sensitive', hooks: [{display_name: 'a', trigger_words: ['deploy']}], text: 'Deploy now', want: []},
    {name: 'punctuation is part of the word', hooks: [{display_name: 'a', trigger_words: ['build']}], text: 'build: now', want: []},
    {name: 'split on tabs, newlines and Unicode spaces', hooks: [{display_name: 'a', trigger_words: ['go']}], text: '\u3000\t go\u00a0now', want: ['a:go']},
    {name: 'a newline ends the first word', hooks: [{display_name: 'a', trigger_words: ['build']}], text: 'build\nplease', want: ['a:build']},
    {name: 'empty message never matches a trigger', hooks: [{display_name: 'a', trigger_words: ['x']}], text: '', want: []},
    {name: 'prefix: first word starts with a trigger', hooks: [{display_name: 'a', trigger_words: ['dep'], trigger_when: 1}], text: 'deploy', want: ['a:dep']},
    {name: 'prefix: the first listed trigger wins, not the longest', hooks: [{display_name: 'a', trigger_words: ['de', 'deploy'], trigger_when: 1}], text: 'deployment', want: ['a:de']},
    {name: 'prefix: list order decides', hooks: [{display_name: 'a', trigger_words: ['deploy', 'de'], trigger_when: 1}], text: 'deployment', want: ['a:deploy']},
    {name: 'channel-only hook matches any post of its channel', hooks: [{display_name: 'a', channel_id: CHAN}], text: 'anything at all', want: ['a:']},
    {name: 'channel-only hook matches empty (file-only) posts', hooks: [{display_name: 'a', channel_id: CHAN}], text: '', want: ['a:']},
    {name: 'channel-only hook ignores other channels', hooks: [{display_name: 'a', channel_id: OTHER}], text: 'x', want: []},
    {name: 'channel and trigger must both match', hooks: [{display_name: 'a', channel_id: CHAN, trigger_words: ['go']}, {display_name: 'b', channel_id: OTHER, trigger_words: ['go']}], text: 'go', want: ['a:go']},
    {name: 'every matching hook fires', hooks: [{display_name: 'a', trigger_words: ['go']}, {display_name: 'b', trigger_words: ['g'], trigger_when: 1}, {display_name: 'c', channel_id: CHAN}], text: 'go', want: ['a:go', 'b:g', 'c:']},
    {name: 'other teams are not looked at', hooks: [{display_name: 'a', trigger_words: ['go'], team_id: 'team0000000000000000000002'}], text: 'go', want: []},
    {name: 'public channels only by default', hooks: [{display_name: 'a', trigger_words: ['go']}], text: 'go', ctx: {channelType: 'P'}, want: []},
    {name: 'edits do not fire by default', hooks: [{display_name: 'a', trigger_words: ['go']}], text: 'go', ctx: {event: 'edited'}, want: []},
    {name: 'disabled hooks do not fire', hooks: [{display_name: 'a', trigger_words: ['go'], enabled: false}], text: 'go', want: []},
  ];
  for (const c of cases) {
    it(c.name, () => {
      const index = new TriggerIndex(new RegexRunner());
      for (const h of c.hooks) index.upsert(hook(h));
      assert.deepEqual(matchNames(index, post(c.text, c.ctx)), c.want);
    });
  }

  it('gives each hook its own trigger word (Mattermost gives all of them the last one)', () => {
    const index = new TriggerIndex(new RegexRunner());
    index.upsert(hook({display_name: 'a', trigger_words: ['deploy']}));
    index.upsert(hook({display_name: 'b', channel_id: CHAN}));
    index.upsert(hook({display_name: 'c', trigger_words: ['dep'], trigger_when: 1}));
    assert.deepEqual(matchNames(index, post('deploy prod')), ['a:deploy', 'b:', 'c:dep']);
  });
});

describe('trigger index: extensions', () => {
  const cases: {name: string; hook: Partial<OutgoingHook>; text: string; ctx?: Partial<PostContext>; want: string[]}[] = [
    {name: 'case-insensitive exact, reports the configured word', hook: {trigger_words: ['Deploy'], match: {mode: 'first_word', case_insensitive: true}}, text: 'DEPLOY it', want: ['h:Deploy']},
    {name: 'case-insensitive prefix', hook: {trigger_words: ['dep'], trigger_when: 1, match: {mode: 'first_word', case_insensitive: true}}, text: 'DEPLOYMENT', want: ['h:dep']},
    {name: 'anywhere: any word', hook: {trigger_words: ['deploy'], match: {mode: 'anywhere', case_insensitive: false}}, text: 'could you deploy this', want: ['h:deploy']},
    {name: 'anywhere: whole words only', hook: {trigger_words: ['ci'], match: {mode: 'anywhere', case_insensitive: false}}, text: 'special', want: []},
    {name: 'anywhere with prefix', hook: {trigger_words: ['http'], trigger_when: 1, match: {mode: 'anywhere', case_insensitive: false}}, text: 'see https://x.y', want: ['h:http']},
    {name: 'regex: the matched text is the trigger word', hook: {match: {mode: 'regex', case_insensitive: false, pattern: 'JIRA-\\d+'}}, text: 'fixes JIRA-123 today', want: ['h:JIRA-123']},
    {name: 'regex, case-insensitive', hook: {match: {mode: 'regex', case_insensitive: true, pattern: '^deploy\\b'}}, text: 'DEPLOY now', want: ['h:DEPLOY']},
    {name: 'regex that does not match', hook: {match: {mode: 'regex', case_insensitive: false, pattern: '^x$'}}, text: 'xy', want: []},
    {name: 'edits when asked', hook: {trigger_words: ['go'], events: ['edited']}, text: 'go', ctx: {event: 'edited'}, want: ['h:go']},
    {name: 'edit-only hooks ignore new posts', hook: {trigger_words: ['go'], events: ['edited']}, text: 'go', want: []},
    {name: 'private channels when asked', hook: {trigger_words: ['go'], channel_types: ['O', 'P']}, text: 'go', ctx: {channelType: 'P'}, want: ['h:go']},
    {name: 'direct messages when asked (any team)', hook: {trigger_words: ['go'], channel_types: ['D']}, text: 'go', ctx: {channelType: 'D', teamId: ''}, want: ['h:go']},
    {name: 'group messages when asked', hook: {trigger_words: ['go'], channel_types: ['G']}, text: 'go', ctx: {channelType: 'G', teamId: ''}, want: ['h:go']},
    {name: 'direct-message hooks skip group messages', hook: {trigger_words: ['go'], channel_types: ['D']}, text: 'go', ctx: {channelType: 'G', teamId: ''}, want: []},
  ];
  for (const c of cases) {
    it(c.name, () => {
      const index = new TriggerIndex(new RegexRunner());
      index.upsert(hook({display_name: 'h', ...c.hook}));
      assert.deepEqual(matchNames(index, post(c.text, c.ctx)), c.want);
    });
  }

  it('updates and removals take effect', () => {
    const index = new TriggerIndex(new RegexRunner());
    const h = hook({display_name: 'h', trigger_words: ['go']});
    index.upsert(h);
    index.upsert({...h, trigger_words: ['stop']});
    assert.deepEqual(matchNames(index, post('go')), []);
    assert.deepEqual(matchNames(index, post('stop')), ['h:stop']);
    index.remove(h.id);
    assert.deepEqual(matchNames(index, post('stop')), []);
    assert.equal(index.size, 0);
  });

  it('prefix triggers shared by hooks survive the removal of one of them', () => {
    const index = new TriggerIndex(new RegexRunner());
    const a = hook({display_name: 'a', trigger_words: ['dep', 'x'], trigger_when: 1});
    const b = hook({display_name: 'b', trigger_words: ['de'], trigger_when: 1});
    index.upsert(a);
    index.upsert(b);
    assert.deepEqual(matchNames(index, post('deploy')), ['a:dep', 'b:de']);
    index.remove(a.id);
    assert.deepEqual(matchNames(index, post('deploy')), ['b:de']);
    assert.deepEqual(matchNames(index, post('xylophone')), []);
    index.upsert({...a, trigger_words: ['xy']});
    assert.deepEqual(matchNames(index, post('xylophone')), ['a:xy']);
  });
});

describe('trigger index at scale', () => {
  function build(n: number): TriggerIndex {
    const index = new TriggerIndex(new RegexRunner());
    const channels = Array.from({length: 50}, (_, i) => `chan${String(i).padStart(22, '0')}`);
    for (let i = 0; i < n; i++) {
      const kind = i % 4;
      index.upsert(
        hook({
          team_id: `team${String(i % 20).padStart(22, '0')}`,
          channel_id: kind === 3 ? channels[i % 50]! : '',
          trigger_words: kind === 3 ? [] : [`word${i}`, `alt${i}`],
          trigger_when: kind === 1 ? 1 : 0,
          match: kind === 2 ? {mode: 'anywhere', case_insensitive: true} : defaultMatch(),
        }),
      );
    }
    // The hooks a post below should find, identical in both sizes.
    index.upsert(hook({display_name: 'target', team_id: TEAM, trigger_words: ['deploy']}));
    index.upsert(hook({display_name: 'prefix', team_id: TEAM, trigger_words: ['dep'], trigger_when: 1}));
    return index;
  }

  it('looks at the same number of entries for 10 and 10,000 hooks', (t) => {
    const small = build(10);
    const large = build(10_000);
    const ctx = post('deploy the release to production please');
    assert.deepEqual(matchNames(small, ctx), ['prefix:dep', 'target:deploy']);
    assert.deepEqual(matchNames(large, ctx), ['prefix:dep', 'target:deploy']);
    assert.equal(small.lastExamined, large.lastExamined);
    assert.equal(large.lastExamined, 2);

    const round = (index: TriggerIndex): number => {
      const started = process.hrtime.bigint();
      for (let i = 0; i < 20_000; i++) index.match(ctx);
      return Number(process.hrtime.bigint() - started) / 20_000;
    };
    // Alternating rounds after a warm-up, so JIT tiers and noise hit both sizes alike.
    round(small);
    round(large);
    let ns10 = Infinity;
    let ns10k = Infinity;
    for (let r = 0; r < 5; r++) {
      ns10 = Math.min(ns10, round(small));
      ns10k = Math.min(ns10k, round(large));
    }
    t.diagnostic(`match cost: ${(ns10 / 1000).toFixed(2)} µs with 12 hooks, ${(ns10k / 1000).toFixed(2)} µs with 10,002 hooks`);
    // Generous bound: the point is that the cost does not grow with the hook count.
    assert.ok(ns10k < ns10 * 5 + 20_000, `10k hooks: ${ns10k} ns vs ${ns10} ns`);
  });
});

/** Mattermost's semantics (plus the extensions) hook by hook, to check the index against. */
function reference(hooks: Iterable<OutgoingHook>, ctx: PostContext): string[] {
  const dm = ctx.channelType === 'D' || ctx.channelType === 'G';
  const out: string[] = [];
  for (const h of hooks) {
    if (!h.enabled || h.delete_at) continue;
    if (h.channel_id) {
      if (dm || h.channel_id !== ctx.channelId || h.team_id !== ctx.teamId) continue;
    } else if (dm ? !h.channel_types.some((t) => t === 'D' || t === 'G') : !h.channel_types.some((t) => t === 'O' || t === 'P') || h.team_id !== ctx.teamId) continue;
    if (!h.events.includes(ctx.event) || !h.channel_types.includes(ctx.channelType as OutgoingHook['channel_types'][number])) continue;
    if (h.trigger_words.length === 0) {
      if (h.channel_id) out.push(`${h.id}:`);
      continue;
    }
    const norm = (s: string): string => (h.match.case_insensitive ? s.toLowerCase() : s);
    const words = (h.match.mode === 'anywhere' ? fields(ctx.text) : [firstWord(ctx.text)]).filter((w) => w !== '');
    let hit: string | undefined;
    for (const w of words) {
      hit = h.trigger_words.find((t) => norm(t) !== '' && (h.trigger_when === 1 ? norm(w).startsWith(norm(t)) : norm(w) === norm(t)));
      if (hit !== undefined) break;
    }
    if (hit !== undefined) out.push(`${h.id}:${hit}`);
  }
  return out.sort();
}

const ids = (index: TriggerIndex, ctx: PostContext): string[] =>
  index
    .match(ctx)
    .map((m) => `${m.hook.id}:${m.triggerWord}`)
    .sort();

/** A small deterministic generator, so that a failure can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 0x100000000;
  };
}

describe('trigger index: against a hook-by-hook reference', () => {
  const teams = ['team0000000000000000000001', 'team0000000000000000000002'];
  const channels = ['chan0000000000000000000001', 'chan0000000000000000000002', 'chan0000000000000000000003', 'chan0000000000000000000004'];
  // Few letters, so that words collide, nest as prefixes and pile up in big groups.
  const letters = ['a', 'b', 'A', 'B', 'é', 'É'];

  function generator(seed: number) {
    const r = rng(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
    const word = (): string => Array.from({length: 1 + Math.floor(r() * 3)}, () => pick(letters)).join('');
    const someOf = <T>(xs: readonly T[]): T[] => {
      const out = xs.filter(() => r() < 0.5);
      return out.length ? out : [pick(xs)];
    };
    const randomHook = (id?: string): OutgoingHook => {
      const channelOnly = r() < 0.1;
      return makeHook({
        ...(id ? {id} : {}),
        team_id: pick(teams),
        channel_id: channelOnly || r() < 0.4 ? pick(channels) : '',
        trigger_words: channelOnly ? [] : Array.from({length: 1 + Math.floor(r() * 3)}, word),
        trigger_when: r() < 0.4 ? 1 : 0,
        enabled: r() < 0.95,
        match: {mode: r() < 0.3 ? 'anywhere' : 'first_word', case_insensitive: r() < 0.3},
        events: someOf(['posted', 'edited'] as const),
        channel_types: someOf(['O', 'P', 'D', 'G'] as const),
      });
    };
    const randomPost = (): PostContext => {
      const type = pick(['O', 'O', 'P', 'D', 'G']);
      const dm = type === 'D' || type === 'G';
      const text = Array.from({length: Math.floor(r() * 4)}, word).join(pick([' ', '  ', '\t', '\u00a0']));
      return {text, teamId: dm ? '' : pick(teams), channelId: dm ? 'dmchan00000000000000000001' : pick(channels), channelType: type, event: pick(['posted', 'posted', 'edited'] as const)};
    };
    return {r, randomHook, randomPost};
  }

  it('finds exactly the hooks, with exactly the words, that checking every hook finds; through updates and removals', () => {
    const {r, randomHook, randomPost} = generator(7);
    const index = new TriggerIndex(new RegexRunner());
    const live = new Map<string, OutgoingHook>();
    const check = (rounds: number): void => {
      for (let i = 0; i < rounds; i++) {
        const ctx = randomPost();
        assert.deepEqual(ids(index, ctx), reference(live.values(), ctx), JSON.stringify(ctx));
      }
    };
    for (let i = 0; i < 3000; i++) {
      const h = randomHook();
      live.set(h.id, h);
      index.upsert(h);
    }
    assert.equal(index.size, 3000);
    check(400);
    // Updates and removals: tables shrink, groups split, slots move back.
    for (const id of [...live.keys()]) {
      const x = r();
      if (x < 0.6) {
        live.delete(id);
        index.remove(id);
      } else if (x < 0.8) {
        const h = randomHook(id);
        live.set(id, h);
        index.upsert(h);
      }
    }
    assert.equal(index.size, live.size);
    check(400);
    for (const id of [...live.keys()]) {
      live.delete(id);
      index.remove(id);
    }
    assert.equal(index.size, 0);
    check(50);
  });

  it('words of every length up to well past what a slot holds, differing at any one position, ASCII or not', () => {
    const base = 'abcdefghijklmnopqrstuvwxyz0123456789!?\u007f';
    const hooks: OutgoingHook[] = [];
    for (let len = 1; len <= base.length; len++) {
      const w = base.slice(0, len);
      const variants = [w, `${w.slice(0, -1)}\u0080`, `${w.slice(0, -1)}é`, w.toUpperCase()];
      for (const [k, word] of variants.entries()) {
        for (const trigger_when of [0, 1] as const) {
          hooks.push(makeHook({id: `h${len}x${k}w${trigger_when}`, team_id: TEAM, trigger_words: [word], trigger_when}));
          hooks.push(makeHook({id: `h${len}x${k}w${trigger_when}ci`, team_id: TEAM, trigger_words: [word], trigger_when, match: {mode: 'anywhere', case_insensitive: true}}));
        }
      }
    }
    const index = new TriggerIndex(new RegexRunner());
    index.replaceAll(hooks);
    const texts: string[] = [];
    for (let len = 1; len <= base.length; len++) {
      const w = base.slice(0, len);
      texts.push(w, `${w}z`, w.toUpperCase(), `${w.slice(0, -1)}\u0080`, `${w.slice(0, -1)}é`, `${w.slice(0, -1)}É`);
      // One character off at each position, by a bit that packing 7 bits a character would keep, and by one it would drop.
      for (let i = 0; i < len; i++) for (const c of [String.fromCharCode(w.charCodeAt(i) ^ 1), String.fromCharCode(w.charCodeAt(i) | 0x100)]) texts.push(w.slice(0, i) + c + w.slice(i + 1));
    }
    let matched = 0;
    for (const text of texts) {
      const ctx = post(`${text} and more`);
      const want = reference(hooks, ctx);
      matched += want.length;
      assert.deepEqual(ids(index, ctx), want, text);
    }
    assert.ok(matched > texts.length, 'most posts trigger something');
  });

  it('a rebuild from the same hooks matches the same', () => {
    const {randomHook, randomPost} = generator(11);
    const hooks = Array.from({length: 1500}, () => randomHook());
    const a = new TriggerIndex(new RegexRunner());
    for (const h of hooks) a.upsert(h);
    const b = new TriggerIndex(new RegexRunner());
    b.replaceAll(hooks);
    for (let i = 0; i < 300; i++) {
      const ctx = randomPost();
      assert.deepEqual(ids(b, ctx), ids(a, ctx));
      assert.deepEqual(ids(b, ctx), reference(hooks, ctx));
    }
  });
});

describe('trigger index: keys packed into table slots', () => {
  // A word is found by its hash first; the packed comparison decides only between
  // words whose hashes collide, which tests through the index would hardly ever see.
  const same = (key: string, word: string, pad = ''): boolean => {
    const slot: unknown[] = new Array(16).fill(0);
    packKey(key, slot, 8);
    return samePackedKey(slot, 8, key, pad + word + pad, pad.length, word.length);
  };

  it('equal exactly when the strings are, for every pair of short words over awkward characters', () => {
    const units = ['\u0000', '\u0001', '`', 'a', 'b', '\u007f', '\u0080', '\u00ff', '\u0100', 'é', '\ud83d', '\uffff'];
    const words = [''];
    for (let len = 1; len <= 3; len++) for (const w of words.filter((x) => x.length === len - 1)) for (const u of units) words.push(w + u);
    let equal = 0;
    for (const key of words) for (const word of words) if (same(key, word)) equal++;
    assert.equal(equal, words.length);
    for (const key of words) assert.ok(same(key, key, 'xy'), JSON.stringify(key));
  });

  it('equal exactly when the strings are, for long words differing anywhere by any bit', () => {
    const r = rng(5);
    const units = [0x00, 0x01, 0x40, 0x60, 0x61, 0x7f, 0x80, 0xff, 0x100, 0x4000, 0xffff];
    for (let n = 0; n < 4000; n++) {
      const len = 1 + Math.floor(r() * 24);
      const key = Array.from({length: len}, () => String.fromCharCode(units[Math.floor(r() * units.length)]!)).join('');
      assert.ok(same(key, key, 'é'), JSON.stringify(key));
      const i = Math.floor(r() * len);
      const changed = key.charCodeAt(i) ^ (1 << Math.floor(r() * 16));
      const word = key.slice(0, i) + String.fromCharCode(changed) + key.slice(i + 1);
      assert.equal(same(key, word), false, JSON.stringify([key, word]));
      assert.equal(same(key, key.slice(0, -1)), false);
      assert.equal(same(key, `${key}a`), false);
    }
  });
});

describe('trigger index: compact records and big groups', () => {
  it('case-insensitive duplicates report the first listed word; non-ASCII case folds', () => {
    const index = new TriggerIndex(new RegexRunner());
    index.upsert(hook({display_name: 'a', trigger_words: ['Deploy', 'DEPLOY'], match: {mode: 'first_word', case_insensitive: true}}));
    index.upsert(hook({display_name: 'b', trigger_words: ['ÉCOLE'], match: {mode: 'anywhere', case_insensitive: true}}));
    index.upsert(hook({display_name: 'c', trigger_words: ['Éc'], trigger_when: 1, match: {mode: 'first_word', case_insensitive: true}}));
    assert.deepEqual(matchNames(index, post('deploy')), ['a:Deploy']);
    assert.deepEqual(matchNames(index, post('école de musique')), ['b:ÉCOLE', 'c:Éc']);
    assert.deepEqual(matchNames(index, post('la École')), ['b:ÉCOLE']);
  });

  it('prefixes: longer than the word never match, equal to it do, and every length is looked at', () => {
    const index = new TriggerIndex(new RegexRunner());
    index.upsert(hook({display_name: 'long', trigger_words: ['deployment'], trigger_when: 1}));
    index.upsert(hook({display_name: 'same', trigger_words: ['deploy'], trigger_when: 1}));
    index.upsert(hook({display_name: 'short', trigger_words: ['d'], trigger_when: 1}));
    index.upsert(hook({display_name: 'mid', trigger_words: ['x', 'dep'], trigger_when: 1}));
    assert.deepEqual(matchNames(index, post('deploy')), ['mid:dep', 'same:deploy', 'short:d']);
    assert.deepEqual(matchNames(index, post('deployments')), ['long:deployment', 'mid:dep', 'same:deploy', 'short:d']);
    assert.deepEqual(matchNames(index, post('de')), ['short:d']);
  });

  it('prefixes of one hook that start one another: the first listed that the word starts with is reported', () => {
    const index = new TriggerIndex(new RegexRunner());
    index.upsert(hook({display_name: 'longFirst', trigger_words: ['depl', 'de'], trigger_when: 1}));
    index.upsert(hook({display_name: 'shortFirst', trigger_words: ['de', 'depl'], trigger_when: 1}));
    index.upsert(hook({display_name: 'apart', trigger_words: ['dx', 'depl'], trigger_when: 1}));
    assert.deepEqual(matchNames(index, post('deploy')), ['apart:depl', 'longFirst:depl', 'shortFirst:de']);
    assert.deepEqual(matchNames(index, post('dep')), ['longFirst:de', 'shortFirst:de']);
  });

  it('a word shared by many hooks in many channels: a post looks only at its own channel and team', () => {
    const index = new TriggerIndex(new RegexRunner());
    const chan = (i: number): string => `chan${String(i).padStart(22, '0')}`;
    for (let i = 0; i < 200; i++) index.upsert(hook({display_name: `c${i}`, channel_id: chan(i), trigger_words: ['deploy']}));
    for (let i = 0; i < 3; i++) index.upsert(hook({display_name: `t${i}`, trigger_words: ['deploy']}));
    index.upsert(hook({display_name: 'dm', trigger_words: ['deploy'], channel_types: ['D']}));
    index.upsert(hook({display_name: 'other team', team_id: 'team0000000000000000000009', trigger_words: ['deploy']}));
    assert.deepEqual(matchNames(index, post('deploy', {channelId: chan(42)})), ['c42:deploy', 't0:deploy', 't1:deploy', 't2:deploy']);
    assert.equal(index.lastExamined, 4);
    assert.deepEqual(matchNames(index, post('deploy', {channelId: chan(7), teamId: '', channelType: 'D'})), ['dm:deploy']);
    assert.equal(index.lastExamined, 1);
    // Shrinking back below the scan limit keeps the survivors findable.
    for (const [id, name] of names) if (/^c\d+$/.test(name) && name !== 'c42') index.remove(id);
    assert.deepEqual(matchNames(index, post('deploy', {channelId: chan(42)})), ['c42:deploy', 't0:deploy', 't1:deploy', 't2:deploy']);
    assert.deepEqual(matchNames(index, post('deploy', {channelId: chan(43)})), ['t0:deploy', 't1:deploy', 't2:deploy']);
  });

  it('keeps a compact record: no secrets or callback settings, and not the caller’s arrays', () => {
    const index = new TriggerIndex(new RegexRunner());
    const h = hook({display_name: 'rec', trigger_words: ['go'], trigger_when: 1, signing_secret: 'hbs_secret', enabled: false});
    index.upsert(h);
    h.trigger_words.push('stop');
    const rec = index.get(h.id)!;
    assert.equal(rec.id, h.id);
    assert.equal(rec.enabled, false);
    assert.equal(rec.trigger_when, 1);
    assert.deepEqual(rec.trigger_words, ['go']);
    assert.equal(rec.creator_id, h.creator_id);
    for (const field of ['token', 'signing_secret', 'callback_urls', 'headers', 'display_name']) assert.equal(field in rec, false, field);
    assert.deepEqual(
      index.teamHooks(h.team_id).map((x) => x.id),
      [h.id],
    );
  });

  it('a rebuild serves the old hooks until it is committed', () => {
    const index = new TriggerIndex(new RegexRunner());
    const a = hook({display_name: 'a', trigger_words: ['go']});
    const b = hook({display_name: 'b', trigger_words: ['go']});
    index.upsert(a);
    const build = index.rebuilding();
    build.add(b);
    assert.deepEqual(matchNames(index, post('go')), ['a:go']);
    build.commit();
    assert.deepEqual(matchNames(index, post('go')), ['b:go']);
    assert.equal(index.get(a.id), undefined);
  });

  it('regex hooks run only for their own channel, team or direct messages', () => {
    const index = new TriggerIndex(new RegexRunner());
    index.upsert(hook({display_name: 'here', channel_id: CHAN, match: {mode: 'regex', case_insensitive: false, pattern: 'x+'}}));
    index.upsert(hook({display_name: 'there', channel_id: OTHER, match: {mode: 'regex', case_insensitive: false, pattern: 'x+'}}));
    index.upsert(hook({display_name: 'dm', channel_types: ['G'], match: {mode: 'regex', case_insensitive: false, pattern: 'x+'}}));
    assert.deepEqual(matchNames(index, post('a xx b')), ['here:xx']);
    assert.equal(index.lastExamined, 2);
    assert.deepEqual(matchNames(index, post('xxx', {channelType: 'G', teamId: ''})), ['dm:xxx']);
  });
});

describe('trigger index: whole hooks for dispatch', () => {
  function setup() {
    const stored = new Map<string, OutgoingHook>();
    const reads: string[] = [];
    const index = new TriggerIndex(new RegexRunner(), {
      cacheSize: 2,
      load: async (id) => {
        reads.push(id);
        return stored.get(id) ?? null;
      },
    });
    const put = (h: OutgoingHook): OutgoingHook => {
      stored.set(h.id, h);
      index.upsert(h);
      return h;
    };
    return {stored, reads, index, put};
  }

  it('reads the whole hook once, then serves it from memory', async () => {
    const {reads, index, put} = setup();
    const h = put(hook({trigger_words: ['go'], callback_urls: ['http://a.example/'], signing_secret: 'hbs_x'}));
    const ctx = post('go now');
    const first = await index.resolve(index.match(ctx), ctx);
    assert.equal(first.length, 1);
    assert.equal(first[0]!.hook.signing_secret, 'hbs_x');
    assert.equal(first[0]!.triggerWord, 'go');
    await index.resolve(index.match(ctx), ctx);
    assert.deepEqual(reads, [h.id]);
  });

  it('a change applied to the index replaces the remembered hook', async () => {
    const {reads, index, put} = setup();
    const h = put(hook({trigger_words: ['go'], callback_urls: ['http://a.example/']}));
    const ctx = post('go');
    await index.resolve(index.match(ctx), ctx);
    put({...h, callback_urls: ['http://b.example/']});
    const [m] = await index.resolve(index.match(ctx), ctx);
    assert.deepEqual(m!.hook.callback_urls, ['http://b.example/']);
    assert.equal(reads.length, 1);
    index.remove(h.id);
    assert.deepEqual(index.match(ctx), []);
  });

  it('a hook deleted or changed in the store since it was indexed is left out or matched again', async () => {
    const {stored, index, put} = setup();
    const gone = put(hook({display_name: 'gone', trigger_words: ['go']}));
    const moved = put(hook({display_name: 'moved', trigger_words: ['go']}));
    const renamed = put(hook({display_name: 'renamed', trigger_words: ['go']}));
    const off = put(hook({display_name: 'off', trigger_words: ['go']}));
    // Changed elsewhere; the change notices have not reached this index.
    stored.delete(gone.id);
    stored.set(moved.id, {...moved, trigger_words: ['stop']});
    stored.set(renamed.id, {...renamed, trigger_words: ['g', 'go'], trigger_when: 1});
    stored.set(off.id, {...off, enabled: false});
    const ctx = post('go');
    const got = (await index.resolve(index.match(ctx), ctx)).map((m) => `${names.get(m.hook.id)}:${m.triggerWord}`);
    assert.deepEqual(got, ['renamed:g']);
  });

  it('a regex hook made case-insensitive in the store is matched again with its stored flags', async () => {
    const {stored, index, put} = setup();
    const h = put(hook({display_name: 're', match: {mode: 'regex', case_insensitive: false, pattern: 'go+'}}));
    const ctx = post('GOO and goo');
    assert.deepEqual(matchNames(index, ctx), ['re:goo']);
    stored.set(h.id, {...h, match: {mode: 'regex', case_insensitive: true, pattern: 'go+'}});
    const [m] = await index.resolve(index.match(ctx), ctx);
    assert.equal(m!.triggerWord, 'GOO');
  });

  it('remembers only a few hooks, the most recently used', async () => {
    const {reads, index, put} = setup();
    const [a, b, c] = ['a', 'b', 'c'].map((w) => put(hook({trigger_words: [w]})));
    for (const w of ['a', 'b', 'a', 'c', 'a', 'b']) await index.resolve(index.match(post(w)), post(w));
    assert.deepEqual(reads, [a!.id, b!.id, c!.id, b!.id]);
  });

  it('prefetch and resolve share one read', async () => {
    const {reads, index, put} = setup();
    put(hook({trigger_words: ['go']}));
    const ctx = post('go');
    index.prefetch(index.match(ctx));
    await index.resolve(index.match(ctx), ctx);
    assert.equal(reads.length, 1);
  });

  it('without a way to read hooks, resolve fails loudly', async () => {
    const index = new TriggerIndex(new RegexRunner());
    index.upsert(hook({trigger_words: ['go']}));
    await assert.rejects(index.resolve(index.match(post('go')), post('go')), /no way to read whole hooks/);
  });
});

describe('trigger index: refreshing in place', () => {
  it('keeps the records of unchanged hooks and files anew those whose matching, state or creator changed', () => {
    const index = new TriggerIndex(new RegexRunner());
    const same = hook({display_name: 'same', trigger_words: ['deploy']});
    const prefix = hook({display_name: 'prefix', trigger_words: ['build']});
    const off = hook({display_name: 'off', trigger_words: ['ship']});
    const owner = hook({display_name: 'owner', trigger_words: ['owned']});
    const gone = hook({display_name: 'gone', trigger_words: ['gone']});
    index.replaceAll([same, prefix, off, owner, gone]);
    const before = index.get(same.id);

    const r = index.refreshing();
    r.add({...same, display_name: 'renamed', callback_urls: ['http://example.com/other']});
    r.add({...prefix, trigger_when: 1});
    r.add({...off, enabled: false});
    r.add({...owner, creator_id: 'user0000000000000000000002'});
    const added = hook({display_name: 'added', trigger_words: ['added']});
    r.add(added);
    assert.ok(index.get(gone.id), 'served until commit');
    r.commit();

    assert.equal(index.get(same.id), before, 'what the index keeps did not change');
    assert.deepEqual(matchNames(index, post('building now')), ['prefix:build']);
    assert.equal(index.get(off.id)?.enabled, false);
    assert.deepEqual(matchNames(index, post('ship it')), []);
    assert.equal(index.get(owner.id)?.creator_id, 'user0000000000000000000002');
    assert.deepEqual(matchNames(index, post('added')), ['added:added']);
    assert.equal(index.get(gone.id), undefined);
    assert.equal(index.size, 5);
  });

  it('builds an empty index from scratch', () => {
    const index = new TriggerIndex(new RegexRunner());
    const r = index.refreshing();
    const a = hook({display_name: 'a', trigger_words: ['go']});
    r.add(a);
    assert.equal(index.size, 0, 'a first read is swapped in at commit');
    r.commit();
    assert.deepEqual(matchNames(index, post('go')), ['a:go']);
  });
});
