import { env } from 'cloudflare:workers';
import type { BenchRow } from './results-server';
import { median } from './stats';

export { median, percentile } from './stats';

export type { BenchRow };

/** Sends a scenario's rows to the Node-side results server (see results-server.ts). */
export async function report(rows: BenchRow[]): Promise<void> {
  const url = (env as unknown as { BENCH_RESULTS_URL: string }).BENCH_RESULTS_URL;
  const res = await fetch(url, { method: 'POST', body: JSON.stringify(rows) });
  if (!res.ok) throw new Error(`results server answered ${res.status}`);
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

/**
 * Like `medianMs`, for several variants measured in the same run: samples alternate between the
 * variants (rotating which goes first), so a slow spell of this shared machine hits them alike.
 * Returns each variant's median ms per call, by name.
 */
export async function compareMs<K extends string>(
  variants: Record<K, (i: number) => Promise<unknown>>,
  { samples = 9, batch = 20, warmup = 5 } = {},
): Promise<Record<K, number>> {
  const names = Object.keys(variants) as K[];
  const times = Object.fromEntries(names.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  for (const k of names) for (let i = 0; i < warmup; i++) await variants[k](-1 - i);
  for (let s = 0; s < samples; s++) {
    for (let v = 0; v < names.length; v++) {
      const k = names[(s + v) % names.length] as K;
      const start = performance.now();
      for (let b = 0; b < batch; b++) await variants[k](s * batch + b);
      times[k].push((performance.now() - start) / batch);
    }
  }
  return Object.fromEntries(names.map((k) => [k, median(times[k])])) as Record<K, number>;
}

export const fmt = (n: number, digits = 2) => n.toFixed(digits);
