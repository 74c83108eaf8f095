// match: outgoing-hook trigger matching per post, Hookbridge's index against
// Mattermost's native algorithm (a linear scan of the team's hooks, as in
// app/webhook.go handleWebhookEvents), both run here on the same hooks and posts.
import type {OutgoingHook} from '../server/webhooks/model.js';
import {makeHook} from '../server/webhooks/test-fixtures.js';
import {RegexRunner} from '../server/webhooks/safe-regex.js';
import {TriggerIndex, type PostContext} from '../server/webhooks/trigger-index.js';
import {firstWord} from '../server/webhooks/text.js';
import {figure, measure, type BenchResult} from './harness.js';

const TEAM = 'team00000000000000000000aa';
// Real deployments with more hooks have more channels: keep ~10 hooks per channel,
// so the number of hooks a post fires (the output) stays the same at every size.
const channelsFor = (hooks: number): number => Math.max(10, Math.ceil(hooks / 10));

function channel(i: number): string {
  return `chan${String(i).padStart(22, '0')}`;
}

/** Mixed hooks: 60 % exact trigger words, 35 % prefixes, 5 % channel-only. */
export function makeHooks(n: number): OutgoingHook[] {
  const hooks: OutgoingHook[] = [];
  const channels = channelsFor(n);
  for (let i = 0; i < n; i++) {
    const kind = i % 20;
    const channelOnly = kind === 0;
    const prefix = kind >= 13;
    hooks.push(
      makeHook({
        id: `hook${String(i).padStart(22, '0')}`,
        channel_id: channelOnly || i % 3 === 0 ? channel(i % channels) : '',
        team_id: TEAM,
        trigger_words: channelOnly ? [] : [prefix ? `pre${i}_` : `word${i}`, `alt${i}`],
        trigger_when: prefix ? 1 : 0,
        callback_urls: ['http://127.0.0.1:9/'],
      }),
    );
  }
  return hooks;
}

/** Native: every hook of the team is checked against the post's first word. */
export function nativeMatch(teamHooks: readonly OutgoingHook[], post: PostContext): number {
  const first = firstWord(post.text);
  let matched = 0;
  for (const hook of teamHooks) {
    if (hook.channel_id && hook.channel_id !== post.channelId) continue;
    if (hook.trigger_words.length === 0) {
      matched++;
      continue;
    }
    const hit = hook.trigger_when === 0 ? hook.trigger_words.includes(first) : hook.trigger_words.some((w) => first.startsWith(w));
    if (hit) matched++;
  }
  return matched;
}

function makePosts(n: number, hooks: number): PostContext[] {
  const posts: PostContext[] = [];
  const channels = channelsFor(hooks);
  for (let i = 0; i < n; i++) {
    const h = (i * 7919) % hooks;
    // One post in four triggers something; the rest are ordinary chat.
    const text = i % 4 === 0 ? `${h % 20 >= 13 ? `pre${h}_xyz` : `word${h}`} deploy now` : `just chatting about item ${i} today`;
    posts.push({text, channelId: channel((i * 31) % channels), teamId: TEAM, channelType: 'O', event: 'posted'});
  }
  return posts;
}

export async function matchBench(opts: {sizes: number[]; runs: number}): Promise<BenchResult[]> {
  const setups = opts.sizes.map((size) => {
    const index = new TriggerIndex(new RegexRunner());
    const hooks = makeHooks(size);
    index.replaceAll(hooks);
    const posts = makePosts(2000, size);
    // The native scan gets whole hooks, as Mattermost does (the index keeps compact records).
    const teamHooks = hooks.filter((h) => h.team_id === TEAM);
    // Both must agree on how many hooks fire before their speed is compared.
    let a = 0;
    let b = 0;
    for (const p of posts) {
      a += index.match(p).length;
      b += nativeMatch(teamHooks, p);
    }
    if (a !== b) throw new Error(`index and native disagree at ${size} hooks: ${a} vs ${b}`);
    return {size, index, posts, teamHooks, runs: [] as number[]};
  });
  const rate = (fn: (p: PostContext) => unknown, posts: PostContext[], count: number): number => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < count; i++) fn(posts[i % posts.length]!);
    return count / (Number(process.hrtime.bigint() - t0) / 1e9);
  };
  // Building the indexes leaves garbage behind: collect it so it is not billed to matching.
  (globalThis as {gc?: () => void}).gc?.();
  // Rounds across sizes, so JIT warm-up and machine noise hit every size alike.
  for (let round = 0; round < opts.runs + 2; round++) {
    for (const s of setups) {
      const r = rate((p) => s.index.match(p), s.posts, 200000);
      if (round >= 2) s.runs.push(r);
    }
  }
  const results: BenchResult[] = [];
  const perPost = new Map<number, number>();
  for (const s of setups) {
    const ours = figure(s.runs, 'posts/s');
    const nativeCount = Math.min(20000, Math.max(20, Math.floor(2e7 / s.size)));
    const native = figure(await measure(opts.runs, () => rate((p) => nativeMatch(s.teamHooks, p), s.posts, nativeCount)), 'posts/s');
    perPost.set(s.size, 1e9 / ours.value);
    const ratio = ours.value / native.value;
    results.push({
      benchmark: 'match',
      case: `${s.size.toLocaleString('en-US')} hooks`,
      ours,
      baseline: {name: 'native linear scan', figure: native},
      ratio,
      ...(s.size >= 100000 ? {target: '>= 100x native at 100k', met: ratio >= 100} : {}),
      notes: `${(1e9 / ours.value / 1000).toFixed(2)} µs/post`,
    });
  }
  const k1 = setups.find((s) => s.size === 1000);
  const k100 = setups.find((s) => s.size === 100000);
  if (k1 && k100) {
    // Per round, from the two sizes measured one after the other: a slower or
    // faster spell of the machine moves both alike and leaves their ratio.
    const growth = figure(
      k1.runs.map((r, i) => r / k100.runs[i]!),
      'x',
    );
    results.push({
      benchmark: 'match',
      case: 'cost per post, 100k vs 1k hooks',
      ours: growth,
      baseline: null,
      ratio: null,
      target: 'flat (<= 1.5x)',
      met: growth.value <= 1.5,
      notes: `per round: ${growth.runs.map((g) => g.toFixed(2)).join(', ')}; ${perPost.get(1000)!.toFixed(0)} / ${perPost.get(100000)!.toFixed(0)} ns per post (medians)`,
    });
  }
  return results;
}
