// npm run bench [-- --only gob,rpc] [-- --quick] [-- --levels=100]   (suites: match gob rpc incoming outgoing memory;
// --levels picks the hook counts of outgoing and the concurrencies of incoming)
// Runs the benchmarks, prints a table and writes bench/results.json.
import {writeFileSync} from 'node:fs';
import {cpus, loadavg, totalmem} from 'node:os';
import {gobBench} from './gob.bench.js';
import {incomingBench} from './incoming.bench.js';
import {matchBench} from './match.bench.js';
import {memoryBench} from './memory.bench.js';
import {outgoingBench} from './outgoing.bench.js';
import {rpcBench} from './rpc.bench.js';
import {collectGarbage, type BenchResult} from './harness.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyArg = args.find((a) => a.startsWith('--only='))?.slice(7) ?? (args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined);
const only = onlyArg ? new Set(onlyArg.split(',')) : null;
const levelsArg = args.find((a) => a.startsWith('--levels='))?.slice(9);
const levels = (fallback: number[]): number[] => (levelsArg ? levelsArg.split(',').map(Number).filter((n) => n > 0) : fallback);

const suites: [string, () => Promise<BenchResult[]>][] = [
  ['match', () => matchBench({sizes: [10, 1000, 100000], runs: quick ? 3 : 5})],
  ['gob', () => gobBench({n: quick ? 5000 : 50000, runs: quick ? 3 : 5})],
  ['rpc', () => rpcBench({n: quick ? 2000 : 20000, runs: quick ? 3 : 5, levels: [1, 16]})],
  ['incoming', () => incomingBench({levels: levels([1, 64]), requests: (c) => (c === 1 ? (quick ? 500 : 1500) : quick ? 2000 : 7500), runs: quick ? 3 : 5, warmup: quick ? 2000 : 4000})],
  ['outgoing', () => outgoingBench({levels: levels([1, 10, 100]), runs: quick ? 3 : 5, deliveries: quick ? 1000 : 4000, unloadedDeliveries: quick ? 30 : 300, sustainedMs: quick ? 1000 : 2000})],
  ['memory', () => memoryBench({hooks: 100000, runs: quick ? 2 : 3, idleMs: quick ? 2000 : 4000})],
];

function fmt(n: number): string {
  if (n >= 100) return Math.round(n).toLocaleString('en-US');
  return n.toFixed(2);
}

const all: BenchResult[] = [];
for (const [name, run] of suites) {
  if (only && !only.has(name)) continue;
  process.stderr.write(`running ${name}…\n`);
  // Each suite starts without the garbage of the one before (match leaves 100k hooks behind).
  collectGarbage();
  all.push(...(await run()));
}

const rows = all.map((r) => [
  r.benchmark,
  r.case,
  `${fmt(r.ours.value)} ${r.ours.unit} (±${(r.ours.spread * 50).toFixed(0)}%)`,
  r.baseline ? `${fmt(r.baseline.figure.value)} ${r.baseline.figure.unit} (${r.baseline.name})` : '-',
  r.ratio === null ? '-' : `${r.ratio.toFixed(2)}x`,
  r.target ? `${r.target}: ${r.met ? 'met' : 'NOT met'}` : '',
]);
const header = ['benchmark', 'case', 'ours (median)', 'baseline (same run)', 'ratio', 'target'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of rows) console.log(line(r));
const noted = all.filter((r) => r.notes);
if (noted.length) {
  console.log('');
  for (const r of noted) console.log(`${r.benchmark} / ${r.case}: ${r.notes}`);
}
const machine = {cpus: cpus().length, model: cpus()[0]?.model ?? '', memoryGiB: Math.round(totalmem() / 2 ** 30), loadavg: loadavg().map((l) => Number(l.toFixed(2)))};
writeFileSync(new URL('./results.json', import.meta.url), JSON.stringify({date: new Date().toISOString(), node: process.version, machine, results: all}, null, 2) + '\n');
