// incoming: incoming webhook requests per second through the whole stack (HTTP
// → the sandbox host → ServeHTTP over the plugin protocol → the plugin →
// KVGet/GetChannel/GetUser/CreatePost back over RPC → the store), against a bare
// node:http server doing the same parsing, checks and store write in its own
// process (support/bare-server.ts), both loaded the same way in the same run.
// The plugin is also measured under a Go host doing the server's part the way
// Mattermost does (support/go-host.ts: go-plugin, net/rpc, gob, net/http), in
// the same rounds. The load comes from support/lean-load.ts, a client in the
// manner of wrk that spends a fraction of what a node:http client does per
// request: the load generator shares the two cores with what it measures, and
// a heavy one adds the same CPU per request to both sides, which pulls their
// ratio towards 1.

import {addCounts, collectGarbage, countsPer, figure, type BenchResult, type Figure} from './harness.js';
import {runLeanLoad as runLoad} from './support/lean-load.js';
import type {LoadResult} from './support/load.js';
import {GoHost} from './support/go-host.js';
import {Child, cpuMs} from './support/proc.js';
import {BenchSandbox, pluginExecutable} from './support/sandbox.js';

export interface IncomingOptions {
  levels: number[];
  /** Requests per run at a concurrency level. */
  requests: (concurrency: number) => number;
  runs: number;
  /** Requests (at concurrency 64) that warm up a freshly started process before it is measured. */
  warmup: number;
}

/** The sandbox host refuses new yamux streams beyond this many open (server/wire/yamux/session.ts maxStreams). */
const STREAM_CAP = 8192;
const WARMUP_ROUNDS = 1;

const PAYLOAD = Buffer.from(JSON.stringify({text: 'Build #1234 of hookbridge passed: 2,345 tests green on main (abc1234) in 4m 12s.', username: 'ci'}));
const HEADERS = {'Content-Type': 'application/json'};

interface Side {
  runs: LoadResult[];
  /** CPU ms per request of each process involved. */
  cpu: Record<string, number[]>;
}


function perRequest(side: Side, name: string, ms: number, requests: number): void {
  (side.cpu[name] ??= []).push(ms / requests);
}

function medianOf(values: number[]): number {
  return figure(values, '').value;
}

function latency(runs: LoadResult[], which: 'p50' | 'p99'): Figure {
  return figure(
    runs.map((r) => r[which]),
    'ms',
  );
}

export async function incomingBench(opts: IncomingOptions): Promise<BenchResult[]> {
  const sbx = await BenchSandbox.start();
  let bare: Child | null = null;
  let goHost: GoHost | null = null;
  const results: BenchResult[] = [];
  try {
    bare = await Child.start('bench/support/bare-server.ts');
    goHost = await GoHost.start(pluginExecutable());
    const goURL = await goHost.createIncomingHook();
    const hook = await sbx.json<{id: string}>('/plugins/hookbridge/api/v1/hooks/incoming', {method: 'POST', body: {channel_id: sbx.info.townId, display_name: 'bench'}});
    const bareHook = await bare.call<string>('createHook');
    const oursURL = `${sbx.url}/plugins/hookbridge/hooks/${hook.id}`;
    const bareURL = `${String(bare.info.url)}/hooks/${bareHook}`;
    const warmup = (url: string, requests = opts.warmup): Promise<LoadResult> => runLoad({url, headers: HEADERS, body: PAYLOAD, concurrency: 64, requests});
    // A fresh process serves its first few thousand requests well below its steady rate (JIT).
    await warmup(bareURL);
    await warmup(oursURL);
    await warmup(goURL);

    for (const concurrency of opts.levels) {
      let restarts = 0;
      const n = opts.requests(concurrency);
      const load = (url: string, requests: number): Promise<LoadResult> => runLoad({url, headers: HEADERS, body: PAYLOAD, concurrency, requests});
      const ours: Side = {runs: [], cpu: {}};
      const base: Side = {runs: [], cpu: {}};
      const underGo: Side = {runs: [], cpu: {}};
      const calls = new Map<string, number>();
      const goCalls = new Map<string, number>();
      let goErrors = '';
      let leaked = 0;
      let oursErrors = '';
      for (let round = 0; round < WARMUP_ROUNDS + opts.runs; round++) {
        const measured = round >= WARMUP_ROUNDS;
        // A plugin that leaves a yamux stream open per request would hit the host's cap
        // within the run: give it a fresh (warmed-up) process first.
        if ((await sbx.streams()) + n + 256 > STREAM_CAP) {
          // The fresh process's warm-up must leave room for the run.
          const room = Math.min(opts.warmup, STREAM_CAP - n - 256);
          if (room < 1000) throw new Error(`the plugin leaves yamux streams open (${await sbx.streams()} now): ${n} requests and a warm-up do not fit under the host's ${STREAM_CAP}`);
          await sbx.restartPlugin();
          restarts++;
          await warmup(oursURL, room);
        }
        await sbx.clearPosts();
        await bare.call('clearPosts');
        collectGarbage();

        const pluginPid = await sbx.pluginPid();
        await sbx.resetCalls();
        const streams0 = await sbx.streams();
        const c0 = {host: cpuMs(sbx.info.pid), plugin: cpuMs(pluginPid), load: cpuMs(process.pid)};
        const o = await load(oursURL, n);
        const c1 = {host: cpuMs(sbx.info.pid), plugin: cpuMs(pluginPid), load: cpuMs(process.pid)};
        if (o.errors) oursErrors ||= `${o.errors} errors, first: ${o.firstError}`;
        if (measured) {
          ours.runs.push(o);
          perRequest(ours, 'host', c1.host - c0.host, n);
          perRequest(ours, 'plugin', c1.plugin - c0.plugin, n);
          perRequest(ours, 'load', c1.load - c0.load, n);
          addCounts(calls, await sbx.calls());
          leaked = Math.max(leaked, ((await sbx.streams()) - streams0) / n);
        }
        collectGarbage();

        const b0 = {server: cpuMs(bare.pid), load: cpuMs(process.pid)};
        const b = await load(bareURL, n);
        const b1 = {server: cpuMs(bare.pid), load: cpuMs(process.pid)};
        if (b.errors) throw new Error(`the bare server failed: ${b.firstError}`);
        if (measured) {
          base.runs.push(b);
          perRequest(base, 'server', b1.server - b0.server, n);
          perRequest(base, 'load', b1.load - b0.load, n);
        }
        collectGarbage();

        await goHost.clearPosts();
        const goCalls0 = await goHost.calls();
        const g0 = {host: cpuMs(goHost.pid), plugin: cpuMs(goHost.pluginPid)};
        const g = await load(goURL, n);
        const g1 = {host: cpuMs(goHost.pid), plugin: cpuMs(goHost.pluginPid)};
        if (g.errors) goErrors ||= `${g.errors} errors, first: ${g.firstError}`;
        if (measured) {
          underGo.runs.push(g);
          perRequest(underGo, 'host', g1.host - g0.host, n);
          perRequest(underGo, 'plugin', g1.plugin - g0.plugin, n);
          addCounts(goCalls, await goHost.calls(), goCalls0);
        }
      }

      const measuredRequests = n * opts.runs;
      const apiCalls = countsPer(calls, measuredRequests);
      const cpu = `CPU ms/request: host ${medianOf(ours.cpu.host!).toFixed(3)} + plugin ${medianOf(ours.cpu.plugin!).toFixed(3)} (bare server ${medianOf(base.cpu.server!).toFixed(3)}), load generator ${medianOf(ours.cpu.load!).toFixed(3)} / ${medianOf(base.cpu.load!).toFixed(3)}`;
      const rps = figure(
        ours.runs.map((r) => r.perSecond),
        'requests/s',
      );
      const bareRps = figure(
        base.runs.map((r) => r.perSecond),
        'requests/s',
      );
      // Each round measures both sides one after the other: a faster or slower
      // spell of the machine moves both alike, so the rounds' own ratios are compared.
      const perRound = ours.runs.map((r, i) => r.perSecond / base.runs[i]!.perSecond);
      const ratio = figure(perRound, 'x').value;

      const notes = [
        `${n} requests/run`,
        `ratio: the median of the rounds' ratios ${perRound.map((r) => r.toFixed(2)).join(', ')} (the medians' ratio: ${(rps.value / bareRps.value).toFixed(3)})`,
        `API calls/request: ${apiCalls}`,
        cpu,
        `yamux streams left open/request: ${leaked.toFixed(2)}`,
        ...(restarts ? [`plugin restarted ${restarts}x to stay under ${STREAM_CAP} open streams`] : []),
        ...(oursErrors ? [oursErrors] : []),
      ].join('; ');

      results.push({
        benchmark: 'incoming',
        case: `requests/s, concurrency ${concurrency}`,
        ours: rps,
        baseline: {name: 'bare node:http server', figure: bareRps},
        ratio,
        target: '>= 0.5x bare server',
        met: ratio >= 0.5 && !oursErrors,
        notes,
      });
      for (const which of ['p50', 'p99'] as const) {
        const mine = latency(ours.runs, which);
        const theirs = latency(base.runs, which);
        const withTarget = which === 'p99' && concurrency >= 64;
        results.push({
          benchmark: 'incoming',
          case: `${which} latency, concurrency ${concurrency}`,
          ours: mine,
          baseline: {name: 'bare node:http server', figure: theirs},
          ratio: theirs.value / mine.value,
          ...(withTarget ? {target: '< 20 ms', met: mine.value < 20 && !oursErrors} : {}),
        });
      }

      // The same plugin under the Go host, for the same rounds: what the server's own protocol work costs.
      const goRps = figure(
        underGo.runs.map((r) => r.perSecond),
        'requests/s',
      );
      const goPerRound = underGo.runs.map((r, i) => r.perSecond / base.runs[i]!.perSecond);
      results.push({
        benchmark: 'incoming',
        case: `requests/s, concurrency ${concurrency}, under a Go host`,
        ours: goRps,
        baseline: {name: 'bare node:http server', figure: bareRps},
        ratio: figure(goPerRound, 'x').value,
        notes: [
          `the plugin under the conformance harness's Go host (support/go-host.ts), loaded in the same rounds`,
          `ratio: the median of the rounds' ratios ${goPerRound.map((r) => r.toFixed(2)).join(', ')}`,
          `p50 ${latency(underGo.runs, 'p50').value.toFixed(2)} ms, p99 ${latency(underGo.runs, 'p99').value.toFixed(2)} ms`,
          `CPU ms/request: Go host ${medianOf(underGo.cpu.host!).toFixed(3)} + plugin ${medianOf(underGo.cpu.plugin!).toFixed(3)}`,
          `API calls/request: ${countsPer(goCalls, measuredRequests)}`,
          ...(goErrors ? [goErrors] : []),
        ].join('; '),
      });
    }
    const problems = await sbx.problems();
    if (problems.length) process.stderr.write(`incoming: the sandbox logged ${problems.length} warnings, first: ${problems[0]}\n`);
  } finally {
    await goHost?.stop();
    await bare?.stop();
    await sbx.stop();
  }
  return results;
}
