// Shared benchmark plumbing: warm-up, repeated runs, median and spread.

export interface Figure {
  /** Median over the runs. */
  value: number;
  unit: string;
  /** (max - min) / median over the runs. */
  spread: number;
  runs: number[];
}

export interface BenchResult {
  benchmark: string;
  case: string;
  ours: Figure;
  baseline: {name: string; figure: Figure} | null;
  /** ours / baseline, oriented so that > 1 means we are better. */
  ratio: number | null;
  target?: string;
  met?: boolean;
  notes?: string;
}

export function figure(runs: number[], unit: string): Figure {
  const sorted = [...runs].sort((a, b) => a - b);
  const value = sorted[Math.floor(sorted.length / 2)]!;
  return {value, unit, spread: value === 0 ? 0 : (sorted[sorted.length - 1]! - sorted[0]!) / value, runs};
}

/** Runs `fn` once to warm up, then `runs` times; each call returns its own measurement. */
export async function measure(runs: number, fn: () => Promise<number> | number): Promise<number[]> {
  await fn();
  await fn();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) out.push(await fn());
  return out;
}

/** Operations per second of a synchronous loop body. */
export function opsPerSecond(n: number, body: (i: number) => void): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) body(i);
  const ns = Number(process.hrtime.bigint() - t0);
  return n / (ns / 1e9);
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
