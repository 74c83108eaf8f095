// gob: encode and decode of the values the protocol carries most, against Go's
// encoding/gob doing the same in the same run (test/conformance cmd/gobbench).
//
// Go and we take turns: each round runs gobbench once (its own warm-up, then one
// measured pass per case) and then our side once per case, so a slow spell of
// the machine falls on both. The ratio is the median of the per-round ratios.
import {spawnSync} from 'node:child_process';
import {Decoder, Encoder, type GoType} from '../server/wire/gob/index.js';
import {goBinary} from '../test/conformance/support.js';
import {collectGarbage, figure, opsPerSecond, type BenchResult} from './harness.js';

interface GoFigures {
  case: string;
  encode_ops_per_s: number;
  decode_ops_per_s: number;
  bytes_per_value: number;
  sample_hex: string;
}

interface Case {
  name: string;
  bytes: number;
  value: unknown;
  type: GoType;
  /** n + 1 values on one stream, for decoding. */
  stream: Buffer;
  ours: {encode: number[]; decode: number[]};
  go: {encode: number[]; decode: number[]};
}

const WARMUP_ROUNDS = 2;

function goRound(n: number): GoFigures[] {
  const res = spawnSync(goBinary('gobbench'), ['--n', String(n), '--runs', '1'], {encoding: 'utf8'});
  if (res.status !== 0) throw new Error(`gobbench failed: ${res.stderr}`);
  return res.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as GoFigures);
}

function prepare(go: GoFigures, n: number): Case {
  const sample = new Decoder();
  sample.feed(Buffer.from(go.sample_hex, 'hex'));
  const decoded = sample.decode()!;
  const type = sample.descriptorOf(decoded.typeId);
  const value = decoded.value;
  const enc = new Encoder();
  const parts: Uint8Array[] = [];
  for (let i = 0; i <= n; i++) parts.push(enc.encode(value, type));
  return {name: go.case, bytes: go.bytes_per_value, value, type, stream: Buffer.concat(parts), ours: {encode: [], decode: []}, go: {encode: [], decode: []}};
}

function encodeRun(c: Case, n: number): number {
  collectGarbage();
  const enc = new Encoder();
  enc.encode(c.value, c.type); // definitions once per stream, as Go's run does
  return opsPerSecond(n, () => enc.encode(c.value, c.type));
}

function decodeRun(c: Case, n: number): number {
  collectGarbage();
  // One stream of n + 1 values, decoded value by value.
  const dec = new Decoder();
  dec.feed(c.stream);
  return opsPerSecond(n + 1, () => {
    if (!dec.decode()) throw new Error('short stream');
  });
}

export async function gobBench(opts: {n: number; runs: number}): Promise<BenchResult[]> {
  const cases = new Map<string, Case>();
  for (let round = 0; round < WARMUP_ROUNDS + opts.runs; round++) {
    const measured = round >= WARMUP_ROUNDS;
    for (const go of goRound(opts.n)) {
      let c = cases.get(go.case);
      if (!c) cases.set(go.case, (c = prepare(go, opts.n)));
      const encode = encodeRun(c, opts.n);
      const decode = decodeRun(c, opts.n);
      if (!measured) continue;
      c.go.encode.push(go.encode_ops_per_s);
      c.go.decode.push(go.decode_ops_per_s);
      c.ours.encode.push(encode);
      c.ours.decode.push(decode);
    }
    await new Promise((resolve) => setImmediate(resolve));
  }

  const results: BenchResult[] = [];
  for (const c of cases.values()) {
    for (const what of ['encode', 'decode'] as const) {
      const ours = figure(c.ours[what], 'values/s');
      const go = figure(c.go[what], 'values/s');
      const perRound = c.ours[what].map((v, i) => v / c.go[what][i]!);
      const ratio = figure(perRound, 'x');
      results.push({
        benchmark: 'gob',
        case: `${what} ${c.name}`,
        ours,
        baseline: {name: 'Go encoding/gob', figure: go},
        ratio: ratio.value,
        target: '>= 0.5x Go',
        met: ratio.value >= 0.5,
        notes: `${c.bytes} bytes/value; ratio is the median of rounds in which Go and we ran one after the other: ${perRound.map((r) => r.toFixed(2)).join(', ')} (spread ±${Math.round(ratio.spread * 50)}%)`,
      });
    }
  }
  return results;
}
