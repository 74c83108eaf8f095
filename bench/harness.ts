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

/** A full collection, when the benchmark runs with --expose-gc (npm run bench does). */
export function collectGarbage(): void {
  (globalThis as {gc?: () => void}).gc?.();
}

/**
 * Runs `fn` twice to warm up, then `runs` times; each call returns its own
 * measurement. Every call starts on a collected heap, as Go's testing.B does
 * (runtime.GC before each run): what an earlier run or suite left behind is not
 * this run's to collect.
 */
export async function measure(runs: number, fn: () => Promise<number> | number): Promise<number[]> {
  const out: number[] = [];
  for (let i = -2; i < runs; i++) {
    collectGarbage();
    const value = await fn();
    if (i >= 0) out.push(value);
  }
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

/** Adds each key's count in `after` (less its count in `before`) to `into`: API calls by method, bytes by key family. */
export function addCounts(into: Map<string, number>, after: Record<string, number>, before: Record<string, number> = {}): void {
  for (const [method, count] of Object.entries(after)) into.set(method, (into.get(method) ?? 0) + count - (before[method] ?? 0));
}

/** "Method 0.12, …": each count per unit (request, delivery), leaving out those never seen. */
export function countsPer(counts: Map<string, number>, units: number): string {
  return [...counts]
    .filter(([, c]) => c > 0)
    .map(([method, c]) => `${method} ${(c / units).toFixed(2)}`)
    .join(', ');
}
