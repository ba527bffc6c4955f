/**
 * Timing and summary helpers for the benchmark: a monotonic clock in milliseconds,
 * percentiles, and loops that run an operation sequentially or with N in flight.
 */
import { performance } from "node:perf_hooks";

/** Monotonic time in milliseconds with sub-millisecond precision. */
export const now = (): number => performance.now();

/** Latency summary of a set of samples, in milliseconds. */
export interface Summary {
  count: number;
  p50: number;
  p99: number;
  mean: number;
  max: number;
}

/** Nearest-rank percentile of samples (which it sorts in place). */
export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** Summarizes latency samples in milliseconds. */
export function summarize(samples: number[]): Summary {
  const s = [...samples].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / (s.length || 1);
  return { count: s.length, p50: percentile(s, 50), p99: percentile(s, 99), mean, max: s[s.length - 1] ?? NaN };
}

/** Runs `op(i)` for i in [0, count) one at a time and returns each call's latency. */
export async function sequential(count: number, op: (i: number) => Promise<unknown>, warmup = 0): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await op(-1 - i);
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const t = now();
    await op(i);
    samples.push(now() - t);
  }
  return samples;
}

/** Result of a {@link concurrent} run. */
export interface Throughput {
  ops: number;
  seconds: number;
  opsPerSec: number;
}

/**
 * Keeps `workers` calls in flight for `durationMs` (or until `maxOps` calls were started);
 * `op(worker, n)` gets the worker index and that worker's call number.
 */
export async function concurrent(workers: number, durationMs: number, op: (worker: number, n: number) => Promise<unknown>, maxOps = Infinity): Promise<Throughput> {
  const start = now();
  const deadline = start + durationMs;
  let started = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      for (let n = 0; now() < deadline && started < maxOps; n++) {
        started++;
        await op(w, n);
        done++;
      }
    }),
  );
  const seconds = (now() - start) / 1000;
  return { ops: done, seconds, opsPerSec: done / seconds };
}

/** Runs `op(i)` for every i in [0, count) with at most `limit` in flight. */
export async function pool(count: number, limit: number, op: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, count) }, async () => {
      while (next < count) await op(next++);
    }),
  );
}

/** Rounds for display and JSON: 3 significant decimals for small numbers. */
export function round(n: number, digits = 2): number {
  return Number.isFinite(n) ? Math.round(n * 10 ** digits) / 10 ** digits : n;
}
