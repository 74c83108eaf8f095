// Hourly delivery statistics in a few bytes per hook and hour.
//
// Counts are exact; latencies go into logarithmic bins (each 10% wider than the
// last), so p50/p95 are within about 5% whatever the traffic, and a bucket stays
// small however many deliveries it counts.

import type {StatsBucket} from './types.js';

export const HOUR_MS = 3_600_000;
const GROWTH = Math.log(1.1);

export interface HourStats {
  total: number;
  ok: number;
  failed: number;
  /** Bin index → number of samples. */
  bins: Record<string, number>;
}

export function latencyBin(ms: number): number {
  return Math.floor(Math.log(Math.max(0, ms) + 1) / GROWTH);
}

/** The middle of a bin, in milliseconds. */
export function binValue(bin: number): number {
  return Math.exp((bin + 0.5) * GROWTH) - 1;
}

export function addSample(current: HourStats | null, ok: boolean, latencyMs: number | undefined): HourStats {
  const s: HourStats = current ?? {total: 0, ok: 0, failed: 0, bins: {}};
  s.total++;
  if (ok) s.ok++;
  else s.failed++;
  if (latencyMs !== undefined && Number.isFinite(latencyMs)) {
    const b = String(latencyBin(latencyMs));
    s.bins[b] = (s.bins[b] ?? 0) + 1;
  }
  return s;
}

/** Nearest-rank percentile (p in (0, 1]) of the binned samples; 0 without samples. */
export function percentile(bins: Record<string, number>, p: number): number {
  const sorted = Object.entries(bins).map(([b, n]) => [Number(b), n] as const).sort((x, y) => x[0] - y[0]);
  const count = sorted.reduce((n, [, c]) => n + c, 0);
  if (count === 0) return 0;
  const rank = Math.max(1, Math.ceil(p * count));
  let seen = 0;
  for (const [bin, n] of sorted) {
    seen += n;
    if (seen >= rank) return Math.round(binValue(bin) * 10) / 10;
  }
  return 0;
}

export function toBucket(start: number, s: HourStats | null): StatsBucket {
  if (!s) return {start, total: 0, ok: 0, failed: 0, p50_ms: 0, p95_ms: 0};
  return {start, total: s.total, ok: s.ok, failed: s.failed, p50_ms: percentile(s.bins, 0.5), p95_ms: percentile(s.bins, 0.95)};
}
