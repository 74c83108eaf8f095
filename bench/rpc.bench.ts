// rpc: net/rpc round trips through yamux between a host and the same TypeScript
// plugin process, with our host (PluginClient) against the real go-plugin client
// (cmd/rpcbench) in the same run.
import {spawnSync} from 'node:child_process';
import {t} from '../server/wire/gob/index.js';
import {PluginClient} from '../server/wire/goplugin/index.js';
import {goBinary} from '../test/conformance/support.js';
import {bundleExecutable} from '../test/support/bundle.js';
import {figure, measure, type BenchResult} from './harness.js';

const argsType = t.struct('Args', {A: t.int, B: t.int, Msg: t.string});

export async function rpcBench(opts: {n: number; runs: number; levels: number[]}): Promise<BenchResult[]> {
  const exe = await bundleExecutable('test/fixtures/basic-plugin.ts', 'basic-plugin');
  const go = spawnSync(goBinary('rpcbench'), ['--plugin', exe, '--n', String(opts.n), '--runs', String(opts.runs), '--concurrency', opts.levels.join(',')], {encoding: 'utf8'});
  if (go.status !== 0) throw new Error(`rpcbench failed: ${go.stderr}`);
  const goRates = new Map(go.stdout.trim().split('\n').map((l) => {
    const r = JSON.parse(l) as {concurrency: number; calls_per_s: number; spread: number};
    return [r.concurrency, r] as const;
  }));

  const client = await PluginClient.launch({command: exe});
  const results: BenchResult[] = [];
  try {
    const hooks = await client.dispense('hooks');
    for (const k of opts.levels) {
      const per = Math.floor(opts.n / k);
      const runs = await measure(opts.runs, async () => {
        const t0 = performance.now();
        await Promise.all(
          Array.from({length: k}, async () => {
            for (let i = 0; i < per; i++) await hooks.call('Plugin.Add', {A: i, B: 1, Msg: 'x'}, argsType);
          }),
        );
        return (per * k) / ((performance.now() - t0) / 1000);
      });
      const ours = figure(runs, 'calls/s');
      const base = goRates.get(k)!;
      const ratio = ours.value / base.calls_per_s;
      results.push({
        benchmark: 'rpc',
        case: `round trips, concurrency ${k}`,
        ours,
        baseline: {name: 'Go go-plugin host', figure: {value: base.calls_per_s, unit: 'calls/s', spread: base.spread, runs: []}},
        ratio,
        target: '>= 0.7x Go host',
        met: ratio >= 0.7,
      });
    }
  } finally {
    await client.kill();
  }
  return results;
}
