// outgoing: from MessageHasBeenPosted to a receiver on 127.0.0.1 (support/receiver.ts),
// with 1, 10 and 100 outgoing hooks matching every post. Posts are created in
// the sandbox host the way the server stores a client's post, which then runs
// MessageHasBeenPosted in the plugin; each post's text carries its creation time
// (the monotonic clock every process shares), so the receiver sees
// post-to-receipt latency. Three loads per level: unloaded (one post at a time,
// the next 20 ms after all its deliveries arrived; and, apart, one post after
// 1.5 s idle), max (16 posters, each posting again
// once the plugin has run the hook of its last post) and sustained (an open-loop
// schedule at half the max). For 1 hook, one more max run creates the posts
// through the sandbox's REST API (POST /api/v4/posts) from 16 lean clients
// (support/lean-load.ts) in the benchmark process: the REST layer is not on the
// measured path, but on a 2-core machine its clients and handlers take CPU from it.
// Baseline: a bare node:http client in its own process POSTing the same payload
// to the same receiver (support/bare-sender.ts): at concurrency 128 for the
// rate, and for the unloaded p99 in bursts of what a post asks of the receiver
// (n requests at once over n kept-alive connections, stamped with the burst's
// start, 20 ms apart; one more after 1.5 s idle), so that the floor the
// receiver itself sets shows. All three loads are
// also made under the Go host (support/go-host.ts), whose posts come from the
// benchmark process (16 posters at max; at half of its own max when sustained),
// for the same hook counts and rounds.

import http from 'node:http';
import {addCounts, collectGarbage, countsPer, figure, percentile, type BenchResult, type Figure} from './harness.js';
import {GoHost} from './support/go-host.js';
import {Child, cpuMs, sleep} from './support/proc.js';
import {runLeanLoad} from './support/lean-load.js';
import {Receiver, stampedMessage} from './support/receiver.js';
import {BenchSandbox, pluginExecutable, request} from './support/sandbox.js';

export interface OutgoingOptions {
  levels: number[];
  runs: number;
  /** Deliveries per max-rate run. */
  deliveries: number;
  /** Deliveries per unloaded run (at least a few posts). */
  unloadedDeliveries: number;
  /** Length of a sustained-rate run, ms. */
  sustainedMs: number;
}

const POSTERS = 16;
/** The durable queue's jobs per node (server/delivery/queue.ts concurrency). */
const QUEUE_CONCURRENCY = 128;
const WARMUP_ROUNDS = 1;
const TARGET_RATE = 5000;
const TARGET_P99_MS = 10;
/** Between an unloaded run's posts, after the last delivery of the one before (and between the bare client's bursts). */
const GAP_MS = 20;
/** The idle spell before the post measured on its own: well under the plugin's 4 s before it closes an idle connection. */
const IDLE_MS = 1500;

/** What a run needs of the host it posts through: the sandbox host or the Go host. */
interface Host {
  clearPosts(): Promise<unknown>;
  settle(): Promise<number>;
}

interface RunFigures {
  perSecond: number;
  p50: number;
  p99: number;
  deliveries: number;
  missing: number;
}


function latencyFigures(latencies: number[]): {p50: number; p99: number} {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {p50: percentile(sorted, 50), p99: percentile(sorted, 99)};
}

export async function outgoingBench(opts: OutgoingOptions): Promise<BenchResult[]> {
  const sbx = await BenchSandbox.start();
  const receiver = new Receiver();
  let sender: Child | null = null;
  let goHost: GoHost | null = null;
  const agent = new http.Agent({keepAlive: true, maxSockets: POSTERS, maxFreeSockets: POSTERS});
  const results: BenchResult[] = [];
  try {
    await receiver.start();
    sender = await Child.start('bench/support/bare-sender.ts');
    await sbx.configure({AllowedInternalHosts: '127.0.0.1'});
    const go = (goHost = await GoHost.start(pluginExecutable(), {AllowedInternalHosts: '127.0.0.1'}));
    const postURL = `${sbx.url}/api/v4/posts`;
    const headers = {Authorization: 'Bearer alice', 'Content-Type': 'application/json'};
    // A post's text carries its creation time, taken as its request is built.
    const restPostBody = (): Buffer => Buffer.from(JSON.stringify({channel_id: sbx.info.townId, message: stampedMessage('bench')}));
    const post = async (): Promise<void> => {
      const r = await request(postURL, {method: 'POST', headers, body: restPostBody(), agent});
      if (r.status !== 201) throw new Error(`POST /api/v4/posts → ${r.status}: ${r.body}`);
    };
    let hooks = 0;
    const addHooks = async (total: number): Promise<void> => {
      for (; hooks < total; hooks++) {
        await sbx.json('/plugins/hookbridge/api/v1/hooks/outgoing', {
          method: 'POST',
          // One callback path per hook: hooks of a channel may not share a trigger word and a URL.
          body: {team_id: sbx.info.teamId, channel_id: sbx.info.townId, display_name: `bench ${hooks}`, trigger_words: ['bench'], callback_urls: [`${receiver.url}/hook/${hooks}`], content_type: 'application/json', max_attempts: 1},
        });
      }
    };
    let goHooks = 0;
    const addGoHooks = async (total: number): Promise<void> => {
      for (; goHooks < total; goHooks++) {
        await go.api('/hooks/outgoing', {team_id: go.teamId, channel_id: go.channelId, display_name: `bench ${goHooks}`, trigger_words: ['bench'], callback_urls: [`${receiver.url}/go/${goHooks}`], content_type: 'application/json', max_attempts: 1});
      }
    };
    /** Waits for `expected` deliveries, then for the queue to finish its bookkeeping. */
    // At least 10 posts a run: the p99 of fewer is the slowest post's own tail.
    const unloadedPosts = (n: number): number => Math.max(opts.unloadedDeliveries >= 100 ? 10 : 5, Math.ceil(opts.unloadedDeliveries / n));
    const collect = async (expected: number, startedAt: number): Promise<RunFigures> => {
      const complete = await receiver.waitFor(expected, Math.max(60_000, expected * 20));
      const seconds = (receiver.lastAt - startedAt) / 1000;
      const {p50, p99} = latencyFigures(receiver.latencies);
      const figures = {perSecond: receiver.count / seconds, p50, p99, deliveries: receiver.count, missing: complete ? 0 : expected - receiver.count};
      await sleep(200);
      return figures;
    };
    const prepare = async (host: Host = sbx): Promise<void> => {
      await host.clearPosts();
      receiver.reset();
      collectGarbage();
    };
    /** prepare(), then waits until the host and its plugin are idle; resolves with the wait in ms. */
    const quiet = async (host: Host = sbx): Promise<number> => {
      await prepare(host);
      return host.settle();
    };
    /**
     * Unloaded: once `host` and its plugin are idle, one post not measured, whose deliveries
     * open the plugin's connections to the receiver again if the wait outlasted the 4 s after
     * which it closes an idle one (a hook in use keeps them open); IDLE_MS later, one post
     * measured on its own (a post to a server that has been idle: on this kind of virtual
     * machine the first work after an idle spell runs several times slower); then `posts`
     * posts one at a time, the first 20 ms after that one's last delivery and each 20 ms after
     * the last delivery of the one before, as the bare client's bursts are spaced.
     */
    const unloadedRun = async (host: Host, n: number, posts: number, postOne: () => Promise<unknown>): Promise<{figures: RunFigures; afterIdle: number; settledMs: number}> => {
      const settledMs = await quiet(host);
      const one = async (what: string): Promise<number> => {
        receiver.reset();
        await postOne();
        if (!(await receiver.waitFor(n, 30_000))) throw new Error(`${what}: ${receiver.count} of ${n} deliveries arrived`);
        return Math.max(...receiver.latencies);
      };
      await one('the post before an unloaded run');
      await sleep(IDLE_MS);
      const afterIdle = await one('the post after an idle spell');
      await sleep(GAP_MS);
      receiver.reset();
      const t0 = performance.now();
      for (let i = 0; i < posts; i++) {
        await postOne();
        if (!(await receiver.waitFor((i + 1) * n, 30_000))) break;
        await sleep(GAP_MS);
      }
      return {figures: await collect(posts * n, t0), afterIdle, settledMs};
    };
    const sandboxPost = (): Promise<void> => sbx.postOne('bench');
    const goPost = (): Promise<string> => go.post(stampedMessage('bench'));

    // Sample the plugin's payload once, so the baseline sends the same bytes.
    await addHooks(1);
    await prepare();
    await post();
    if (!(await receiver.waitFor(1, 30_000))) throw new Error(`no delivery reached the receiver:\n${(await sbx.problems()).join('\n')}`);
    const payload = receiver.lastBody.toString('base64');
    await sleep(200);

    for (const n of opts.levels) {
      await addHooks(n);
      await addGoHooks(n);
      /** Posts a second at half the median max rate measured so far (this round's, before any is kept). */
      const halfOfMax = (kept: RunFigures[], current: RunFigures): number => (figure(kept.length ? kept.map((x) => x.perSecond) : [current.perSecond], '').value / n) * 0.5;
      const sustainedPosts = (postsPerSecond: number): number => Math.max(5, Math.round((postsPerSecond * opts.sustainedMs) / 1000));
      const unloaded: RunFigures[] = [];
      const underGo: RunFigures[] = [];
      const unloadedUnderGo: RunFigures[] = [];
      const sustainedUnderGo: RunFigures[] = [];
      const goCpu = {host: [] as number[], plugin: [] as number[]};
      const goCalls = new Map<string, number>();
      const max: RunFigures[] = [];
      const sustained: RunFigures[] = [];
      const viaRest: RunFigures[] = [];
      const cpu = {host: [] as number[], plugin: [] as number[]};
      const calls = new Map<string, number>();
      const kvBytes = new Map<string, number>();
      let callDeliveries = 0;
      const settleMs: number[] = [];
      const afterIdle: number[] = [];
      const afterIdleUnderGo: number[] = [];

      for (let round = 0; round < WARMUP_ROUNDS + opts.runs; round++) {
        const measured = round >= WARMUP_ROUNDS;
        // Unloaded: one post at a time, once what the previous round left behind is done.
        const posts = unloadedPosts(n);
        const u = await unloadedRun(sbx, n, posts, sandboxPost);
        if (measured) {
          unloaded.push(u.figures);
          afterIdle.push(u.afterIdle);
          settleMs.push(u.settledMs);
        }

        // Max: 16 posters, each posting again once the plugin has run the hook of its last post.
        // Its CPU, API calls and KV writes are counted from quiet to quiet, so that they
        // include what the deliveries leave to do behind them (the delivery log's writes).
        const pluginPid = await sbx.pluginPid();
        await quiet();
        await sbx.resetCalls();
        const c0 = {host: cpuMs(sbx.info.pid), plugin: cpuMs(pluginPid)};
        const maxPosts = Math.max(POSTERS, Math.ceil(opts.deliveries / n));
        const m0 = performance.now();
        await sbx.postMany('bench', maxPosts, POSTERS);
        const m = await collect(maxPosts * n, m0);
        await sbx.settle();
        if (measured) {
          max.push(m);
          cpu.host.push((cpuMs(sbx.info.pid) - c0.host) / m.deliveries);
          cpu.plugin.push((cpuMs(pluginPid) - c0.plugin) / m.deliveries);
          addCounts(calls, await sbx.calls());
          addCounts(kvBytes, await sbx.kvBytes());
          callDeliveries += m.deliveries;
        }

        // Unloaded under the Go host: one post at a time from here, once host and plugin are idle.
        const gu = await unloadedRun(go, n, posts, goPost);
        if (measured) {
          unloadedUnderGo.push(gu.figures);
          afterIdleUnderGo.push(gu.afterIdle);
        }

        // The same max load under the Go host, from 16 posters here.
        await quiet(go);
        const goCalls0 = await go.calls();
        const g0 = {host: cpuMs(go.pid), plugin: cpuMs(go.pluginPid)};
        let nextPost = 0;
        const gm0 = performance.now();
        await Promise.all(
          Array.from({length: POSTERS}, async () => {
            for (let i = nextPost++; i < maxPosts; i = nextPost++) await goPost();
          }),
        );
        const g = await collect(maxPosts * n, gm0);
        await go.settle();
        if (measured) {
          underGo.push(g);
          goCpu.host.push((cpuMs(go.pid) - g0.host) / g.deliveries);
          goCpu.plugin.push((cpuMs(go.pluginPid) - g0.plugin) / g.deliveries);
          addCounts(goCalls, await go.calls(), goCalls0);
        }

        // Sustained under the Go host: posts on an open-loop schedule at half of its max so far.
        await quiet(go);
        const goRate = halfOfMax(underGo, g);
        const goPosts = sustainedPosts(goRate);
        const gs0 = performance.now();
        const goPosted: Promise<unknown>[] = [];
        for (let i = 0; i < goPosts; i++) {
          const wait = gs0 + (i * 1000) / goRate - performance.now();
          if (wait > 1) await sleep(wait);
          goPosted.push(goPost());
        }
        await Promise.all(goPosted);
        const gs = await collect(goPosts * n, gs0);
        if (measured) sustainedUnderGo.push(gs);

        // Sustained: an open-loop schedule at half of this level's max so far.
        await prepare();
        const rate = halfOfMax(max, m);
        const s0 = performance.now();
        await sbx.postAtRate('bench', sustainedPosts(rate), rate);
        const s = await collect(sustainedPosts(rate) * n, s0);
        if (measured) sustained.push(s);

        // The same max load with 1 hook, its posts made through the REST API by 16 lean clients here.
        if (n === 1) {
          await prepare();
          const r0 = performance.now();
          const made = await runLeanLoad({url: postURL, headers, body: restPostBody, concurrency: POSTERS, requests: maxPosts, expect: 201});
          if (made.errors) throw new Error(`POST /api/v4/posts failed ${made.errors} times, first: ${made.firstError}`);
          const r = await collect(maxPosts, r0);
          if (measured) viaRest.push(r);
        }
      }

      // The baseline: the same payload, from a bare client, to the same receiver.
      const bareRate: number[] = [];
      const bareP99: number[] = [];
      const bareAfterIdle: number[] = [];
      for (let round = 0; round < WARMUP_ROUNDS + opts.runs; round++) {
        receiver.reset();
        const fast = await sender.call<{perSecond: number; errors: number; firstError: string}>('send', {url: `${receiver.url}/bare`, body: payload, concurrency: QUEUE_CONCURRENCY, requests: opts.deliveries});
        receiver.reset();
        if (fast.errors) throw new Error(`the bare sender failed: ${fast.firstError}`);
        // What the unloaded posts ask of the receiver: n requests at once, as many times.
        receiver.reset();
        const bursts = unloadedPosts(n);
        await sender.call('burst', {url: `${receiver.url}/bare`, body: payload, n, bursts, gapMs: GAP_MS});
        if (receiver.latencies.length !== bursts * n) throw new Error(`the bare sender's bursts: ${receiver.latencies.length} of ${bursts * n} requests timed`);
        const steady = latencyFigures(receiver.latencies).p99;
        // And one burst after as long an idle spell as the plugin's post measured on its own.
        receiver.reset();
        await sender.call('burst', {url: `${receiver.url}/bare`, body: payload, n, bursts: 1, gapMs: GAP_MS, leadMs: IDLE_MS});
        if (receiver.latencies.length !== n) throw new Error(`the bare sender's burst after an idle spell: ${receiver.latencies.length} of ${n} requests timed`);
        if (round >= WARMUP_ROUNDS) {
          bareRate.push(fast.perSecond);
          bareP99.push(steady);
          bareAfterIdle.push(Math.max(...receiver.latencies));
        }
      }
      const bareRateFig = figure(bareRate, 'deliveries/s');
      const bareP99Fig = figure(bareP99, 'ms');
      const bareAfterIdleFig = figure(bareAfterIdle, 'ms');

      const fig = (runs: RunFigures[], key: 'perSecond' | 'p50' | 'p99', unit: string): Figure =>
        figure(
          runs.map((r) => r[key]),
          unit,
        );
      const missing = [...unloaded, ...max, ...sustained, ...viaRest, ...underGo, ...unloadedUnderGo, ...sustainedUnderGo].reduce((a, r) => a + r.missing, 0);
      const lost = missing ? `; ${missing} deliveries did not arrive` : '';
      const label = `${n} hook${n === 1 ? '' : 's'}`;
      const apiCalls = countsPer(calls, callDeliveries);
      const kvTotal = [...kvBytes.values()].reduce((a, b) => a + b, 0);
      const kvWritten = `${(kvTotal / callDeliveries).toFixed(0)} (${[...kvBytes]
        .sort((a, b) => b[1] - a[1])
        .map(([prefix, b]) => `${prefix}… ${(b / callDeliveries).toFixed(0)}`)
        .join(', ')})`;

      const maxRate = fig(max, 'perSecond', 'deliveries/s');
      results.push({
        benchmark: 'outgoing',
        case: `max rate, ${label}`,
        ours: maxRate,
        baseline: {name: `bare node:http client, concurrency ${QUEUE_CONCURRENCY}`, figure: bareRateFig},
        ratio: maxRate.value / bareRateFig.value,
        target: `>= ${TARGET_RATE.toLocaleString('en-US')} deliveries/s`,
        met: maxRate.value >= TARGET_RATE && !missing,
        notes: `${(maxRate.value / n).toFixed(0)} posts/s; p99 under max load ${fig(max, 'p99', 'ms').value.toFixed(0)} ms; API calls/delivery: ${apiCalls}; KV bytes written/delivery (values, and old values compared): ${kvWritten}; CPU ms/delivery: host ${figure(cpu.host, '').value.toFixed(3)}, plugin ${figure(cpu.plugin, '').value.toFixed(3)}${lost}`,
      });
      if (viaRest.length) {
        const restRate = fig(viaRest, 'perSecond', 'deliveries/s');
        results.push({
          benchmark: 'outgoing',
          case: `max rate, ${label}, posts through the REST API`,
          ours: restRate,
          baseline: {name: `bare node:http client, concurrency ${QUEUE_CONCURRENCY}`, figure: bareRateFig},
          ratio: restRate.value / bareRateFig.value,
          notes: `the posts made with POST /api/v4/posts by ${POSTERS} lean clients (support/lean-load.ts) in the benchmark process, which share the 2 cores; p99 under this load ${fig(viaRest, 'p99', 'ms').value.toFixed(0)} ms`,
        });
      }
      const goRate = fig(underGo, 'perSecond', 'deliveries/s');
      const goDeliveries = underGo.reduce((a, r) => a + r.deliveries, 0);
      results.push({
        benchmark: 'outgoing',
        case: `max rate, ${label}, under a Go host`,
        ours: goRate,
        baseline: {name: `bare node:http client, concurrency ${QUEUE_CONCURRENCY}`, figure: bareRateFig},
        ratio: goRate.value / bareRateFig.value,
        notes: `the plugin under the conformance harness's Go host (support/go-host.ts), its posts from ${POSTERS} posters in the benchmark process; p99 under this load ${fig(underGo, 'p99', 'ms').value.toFixed(0)} ms; API calls/delivery: ${countsPer(goCalls, goDeliveries)}; CPU ms/delivery: Go host ${figure(goCpu.host, '').value.toFixed(3)}, plugin ${figure(goCpu.plugin, '').value.toFixed(3)} (both counted from quiet to quiet)`,
      });
      const sustainedRate = fig(sustained, 'perSecond', 'deliveries/s');
      const sustainedP99 = fig(sustained, 'p99', 'ms');
      results.push({
        benchmark: 'outgoing',
        case: `sustained (half of max), ${label}`,
        ours: sustainedRate,
        baseline: null,
        ratio: null,
        notes: `p50 ${fig(sustained, 'p50', 'ms').value.toFixed(1)} ms, p99 ${sustainedP99.value.toFixed(1)} ms post-to-receipt`,
      });
      results.push({
        benchmark: 'outgoing',
        case: `sustained (half of max), ${label}, under a Go host`,
        ours: fig(sustainedUnderGo, 'perSecond', 'deliveries/s'),
        baseline: null,
        ratio: null,
        notes: `half of the max rate under the Go host; posts from the benchmark process through the Go host on an open-loop schedule; p50 ${fig(sustainedUnderGo, 'p50', 'ms').value.toFixed(1)} ms, p99 ${fig(sustainedUnderGo, 'p99', 'ms').value.toFixed(1)} ms post-to-receipt`,
      });
      const p99 = fig(unloaded, 'p99', 'ms');
      results.push({
        benchmark: 'outgoing',
        case: `p99 post-to-receipt unloaded, ${label}`,
        ours: p99,
        baseline: {name: `bare client, ${n === 1 ? 'one request' : `${n} requests at once`} per post`, figure: bareP99Fig},
        ratio: bareP99Fig.value / p99.value,
        target: `< ${TARGET_P99_MS} ms`,
        met: p99.value < TARGET_P99_MS && !missing,
        notes: `p50 ${fig(unloaded, 'p50', 'ms').value.toFixed(2)} ms; ${unloadedPosts(n)} posts/run, ${GAP_MS} ms apart, each run once host and plugin were idle (waited ${figure(settleMs, '').value.toFixed(0)} ms, median), then after one post not measured and one after ${IDLE_MS} ms idle (next row)`,
      });
      const idleFig = figure(afterIdle, 'ms');
      results.push({
        benchmark: 'outgoing',
        case: `slowest delivery of a post after ${IDLE_MS / 1000} s idle, ${label}`,
        ours: idleFig,
        baseline: {name: `bare client, ${n === 1 ? 'one request' : `${n} requests at once`} after as long idle`, figure: bareAfterIdleFig},
        ratio: bareAfterIdleFig.value / idleFig.value,
        notes: `one post per run, ${IDLE_MS} ms after the last delivery of a post before it; under a Go host ${figure(afterIdleUnderGo, '').value.toFixed(1)} ms`,
      });
      const goP99 = fig(unloadedUnderGo, 'p99', 'ms');
      results.push({
        benchmark: 'outgoing',
        case: `p99 post-to-receipt unloaded, ${label}, under a Go host`,
        ours: goP99,
        baseline: {name: `bare client, ${n === 1 ? 'one request' : `${n} requests at once`} per post`, figure: bareP99Fig},
        ratio: bareP99Fig.value / goP99.value,
        notes: `p50 ${fig(unloadedUnderGo, 'p50', 'ms').value.toFixed(2)} ms; ${unloadedPosts(n)} posts/run, ${GAP_MS} ms apart, from the benchmark process through the Go host, each run once it and the plugin were idle, then after one post not measured and one after ${IDLE_MS} ms idle`,
      });
    }
    const problems = await sbx.problems();
    if (problems.length) process.stderr.write(`outgoing: the sandbox logged ${problems.length} warnings, first: ${problems[0]}\n`);
  } finally {
    agent.destroy();
    await goHost?.stop();
    await sender?.stop();
    await receiver.stop();
    await sbx.stop();
  }
  return results;
}
