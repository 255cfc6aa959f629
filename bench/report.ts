import { env } from 'cloudflare:workers';
import type { BenchRow } from './results-server';

export type { BenchRow };

/** Sends a scenario's rows to the Node-side results server (see results-server.ts). */
export async function report(rows: BenchRow[]): Promise<void> {
  const url = (env as unknown as { BENCH_RESULTS_URL: string }).BENCH_RESULTS_URL;
  const res = await fetch(url, { method: 'POST', body: JSON.stringify(rows) });
  if (!res.ok) throw new Error(`results server answered ${res.status}`);
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/**
 * Median wall time of one call of `fn`, in ms. The Workers clock only moves on I/O and in whole
 * milliseconds, so each sample times `batch` sequential calls and divides.
 */
export async function medianMs(fn: (i: number) => Promise<unknown>, { samples = 9, batch = 20, warmup = 5 } = {}): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn(-1 - i);
  const times: number[] = [];
  for (let s = 0; s < samples; s++) {
    const start = performance.now();
    for (let b = 0; b < batch; b++) await fn(s * batch + b);
    times.push((performance.now() - start) / batch);
  }
  return median(times);
}

export const fmt = (n: number, digits = 2) => n.toFixed(digits);
