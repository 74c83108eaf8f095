// gob: encode and decode of the values the protocol carries most, against Go's
// encoding/gob doing the same in the same run (test/conformance cmd/gobbench).
import {spawnSync} from 'node:child_process';
import {Decoder, Encoder} from '../server/wire/gob/index.js';
import {goBinary} from '../test/conformance/support.js';
import {figure, measure, opsPerSecond, type BenchResult} from './harness.js';

interface GoFigures {
  case: string;
  encode_ops_per_s: number;
  decode_ops_per_s: number;
  encode_spread: number;
  decode_spread: number;
  bytes_per_value: number;
  sample_hex: string;
}

export async function gobBench(opts: {n: number; runs: number}): Promise<BenchResult[]> {
  const res = spawnSync(goBinary('gobbench'), ['--n', String(opts.n), '--runs', String(opts.runs)], {encoding: 'utf8'});
  if (res.status !== 0) throw new Error(`gobbench failed: ${res.stderr}`);
  const results: BenchResult[] = [];
  for (const line of res.stdout.trim().split('\n')) {
    const go = JSON.parse(line) as GoFigures;
    const sample = new Decoder();
    sample.feed(Buffer.from(go.sample_hex, 'hex'));
    const decoded = sample.decode()!;
    const type = sample.descriptorOf(decoded.typeId);
    const value = decoded.value;

    const encodeRuns = await measure(opts.runs, () => {
      const enc = new Encoder();
      enc.encode(value, type); // definitions once per stream, as Go's run does
      return opsPerSecond(opts.n, () => enc.encode(value, type));
    });
    // One stream of n values, decoded value by value.
    const enc = new Encoder();
    const parts: Uint8Array[] = [];
    for (let i = 0; i <= opts.n; i++) parts.push(enc.encode(value, type));
    const stream = Buffer.concat(parts);
    const decodeRuns = await measure(opts.runs, () => {
      const dec = new Decoder();
      dec.feed(stream);
      return opsPerSecond(opts.n + 1, () => {
        if (!dec.decode()) throw new Error('short stream');
      });
    });
    for (const [what, runs, goOps, goSpread] of [
      ['encode', encodeRuns, go.encode_ops_per_s, go.encode_spread],
      ['decode', decodeRuns, go.decode_ops_per_s, go.decode_spread],
    ] as const) {
      const ours = figure(runs, 'values/s');
      const ratio = ours.value / goOps;
      results.push({
        benchmark: 'gob',
        case: `${what} ${go.case}`,
        ours,
        baseline: {name: "Go encoding/gob", figure: {value: goOps, unit: 'values/s', spread: goSpread, runs: []}},
        ratio,
        target: '>= 0.5x Go',
        met: ratio >= 0.5,
        notes: `${go.bytes_per_value} bytes/value`,
      });
    }
  }
  return results;
}
