import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {defaultMatch, type OutgoingHook} from './model.js';
import {makeHook} from './test-fixtures.js';
import {RegexRunner} from './safe-regex.js';
import {TriggerIndex, type PostContext} from './trigger-index.js';

const TEAM = 'team0000000000000000000001';
const CHAN = 'chan0000000000000000000001';
const OTHER = 'chan0000000000000000000002';

const post = (text: string, over: Partial<PostContext> = {}): PostContext => ({text, channelId: CHAN, teamId: TEAM, channelType: 'O', event: 'posted', ...over});

function matchNames(index: TriggerIndex, ctx: PostContext): string[] {
  return index
    .match(ctx)
    .map((m) => `${m.hook.display_name}:${m.triggerWord}`)
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
      for (const h of c.hooks) index.upsert(makeHook(h));
      assert.deepEqual(matchNames(index, post(c.text, c.ctx)), c.want);
    });
  }

  it('gives each hook its own trigger word (Mattermost gives all of them the last one)', () => {
    const index = new TriggerIndex(new RegexRunner());
    index.upsert(makeHook({display_name: 'a', trigger_words: ['deploy']}));
    index.upsert(makeHook({display_name: 'b', channel_id: CHAN}));
    index.upsert(makeHook({display_name: 'c', trigger_words: ['dep'], trigger_when: 1}));
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
      index.upsert(makeHook({display_name: 'h', ...c.hook}));
      assert.deepEqual(matchNames(index, post(c.text, c.ctx)), c.want);
    });
  }

  it('updates and removals take effect', () => {
    const index = new TriggerIndex(new RegexRunner());
    const h = makeHook({display_name: 'h', trigger_words: ['go']});
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
    const a = makeHook({display_name: 'a', trigger_words: ['dep', 'x'], trigger_when: 1});
    const b = makeHook({display_name: 'b', trigger_words: ['de'], trigger_when: 1});
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
        makeHook({
          team_id: `team${String(i % 20).padStart(22, '0')}`,
          channel_id: kind === 3 ? channels[i % 50]! : '',
          trigger_words: kind === 3 ? [] : [`word${i}`, `alt${i}`],
          trigger_when: kind === 1 ? 1 : 0,
          match: kind === 2 ? {mode: 'anywhere', case_insensitive: true} : defaultMatch(),
        }),
      );
    }
    // The hooks a post below should find, identical in both sizes.
    index.upsert(makeHook({display_name: 'target', team_id: TEAM, trigger_words: ['deploy']}));
    index.upsert(makeHook({display_name: 'prefix', team_id: TEAM, trigger_words: ['dep'], trigger_when: 1}));
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
