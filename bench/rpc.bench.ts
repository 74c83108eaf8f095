// rpc: net/rpc round trips through yamux between a host and the same TypeScript
// plugin process, with our host (PluginClient) against the real go-plugin client
// (cmd/rpcbench) in the same run. They take turns round by round (the Go host
// launches the plugin, makes a warm-up run and one measured run at each
// concurrency; then ours makes one), so that a change in the machine's speed
// during the suite falls on both sides alike; the ratio is the median of the
// rounds' ratios.
import {spawnSync} from 'node:child_process';
import {t} from '../server/wire/gob/index.js';
import {PluginClient} from '../server/wire/goplugin/index.js';
import {goBinary} from '../test/conformance/support.js';
import {bundleExecutable} from '../test/support/bundle.js';
import {collectGarbage, figure, type BenchResult} from './harness.js';

const argsType = t.struct('Args', {A: t.int, B: t.int, Msg: t.string});

/** One run of the Go host at each concurrency: calls per second by concurrency. */
function goRound(exe: string, n: number, levels: number[]): Map<number, number> {
  const go = spawnSync(goBinary('rpcbench'), ['--plugin', exe, '--n', String(n), '--runs', '1', '--concurrency', levels.join(',')], {encoding: 'utf8'});
  if (go.status !== 0) throw new Error(`rpcbench failed: ${go.stderr}`);
  return new Map(
    go.stdout
      .trim()
      .split('\n')
      .map((l) => {
        const r = JSON.parse(l) as {concurrency: number; calls_per_s: number};
        return [r.concurrency, r.calls_per_s] as const;
      }),
  );
}

export async function rpcBench(opts: {n: number; runs: number; levels: number[]}): Promise<BenchResult[]> {
  const exe = await bundleExecutable('test/fixtures/basic-plugin.ts', 'basic-plugin');
  const client = await PluginClient.launch({command: exe});
  const ours = new Map(opts.levels.map((k) => [k, [] as number[]]));
  const theirs = new Map(opts.levels.map((k) => [k, [] as number[]]));
  const ratios = new Map(opts.levels.map((k) => [k, [] as number[]]));
  try {
    const hooks = await client.dispense('hooks');
    const run = async (k: number): Promise<number> => {
      collectGarbage();
      const per = Math.floor(opts.n / k);
      const t0 = performance.now();
      await Promise.all(
        Array.from({length: k}, async () => {
          for (let i = 0; i < per; i++) await hooks.call('Plugin.Add', {A: i, B: 1, Msg: 'x'}, argsType);
        }),
      );
      return (per * k) / ((performance.now() - t0) / 1000);
    };
    // Two warm-up runs at each concurrency, as the other suites make.
    for (const k of opts.levels) for (let i = 0; i < 2; i++) await run(k);
    for (let round = 0; round < opts.runs; round++) {
      const go = goRound(exe, opts.n, opts.levels);
      for (const k of opts.levels) {
        const rate = await run(k);
        const base = go.get(k);
        if (base === undefined) throw new Error(`rpcbench gave no figure for concurrency ${k}`);
        ours.get(k)!.push(rate);
        theirs.get(k)!.push(base);
        ratios.get(k)!.push(rate / base);
      }
    }
  } finally {
    await client.kill();
  }
  return opts.levels.map((k) => {
    const ratio = figure(ratios.get(k)!, 'x');
    return {
      benchmark: 'rpc',
      case: `round trips, concurrency ${k}`,
      ours: figure(ours.get(k)!, 'calls/s'),
      baseline: {name: 'Go go-plugin host', figure: figure(theirs.get(k)!, 'calls/s')},
      ratio: ratio.value,
      target: '>= 0.7x Go host',
      met: ratio.value >= 0.7,
      notes: `ratio is the median of rounds in which Go and we ran one after the other: ${ratios
        .get(k)!
        .map((r) => r.toFixed(2))
        .join(', ')} (spread ±${Math.round(ratio.spread * 50)}%)`,
    };
  });
}
