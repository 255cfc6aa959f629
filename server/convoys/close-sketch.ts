// A quantile sketch of close times (DDSketch's log-scale buckets, https://arxiv.org/abs/1908.10693):
// a duration `ms` is counted in bucket ⌈log_γ ms⌉ (+1, bucket 0 holds durations under 1 ms), so any
// quantile read back is within CLOSE_SKETCH_RELATIVE_ACCURACY of a real close time, whatever the number
// of closes. A convoy's sketch lives on its per-rig progress rows, updated by each close in SQL;
// reading p50/p90 merges O(rigs) small objects instead of reading every close.

/** Relative error of a quantile read from the sketch (2 %). */
export const CLOSE_SKETCH_RELATIVE_ACCURACY = 0.02;
const GAMMA = (1 + CLOSE_SKETCH_RELATIVE_ACCURACY) / (1 - CLOSE_SKETCH_RELATIVE_ACCURACY);
/** ln γ: the SQL that counts a close (rig-progress.ts) computes the same bucket. */
export const CLOSE_SKETCH_LOG_GAMMA = Math.log(GAMMA);

/** Bucket counts by bucket index (JSON object keys are strings). */
export type CloseSketch = Record<string, number>;

/** The bucket counting a close `ms` after the convoy's creation. ~550 buckets cover 1 ms to 10 years. */
export function sketchBucket(ms: number): number {
  if (!(ms >= 1)) return 0; // under 1 ms, a clock step back, NaN: "at once"
  return Math.ceil(Math.log(ms) / CLOSE_SKETCH_LOG_GAMMA) + 1;
}

/** The duration a bucket stands for: within the relative accuracy of every duration counted in it. */
export function sketchBucketValueMs(bucket: number): number {
  if (bucket <= 0) return 0;
  return (2 * GAMMA ** (bucket - 1)) / (GAMMA + 1);
}

/** Sums sketches (the per-rig rows of one convoy). */
export function mergeSketches(sketches: readonly CloseSketch[]): Map<number, number> {
  const merged = new Map<number, number>();
  for (const sketch of sketches) {
    for (const [bucket, count] of Object.entries(sketch)) merged.set(Number(bucket), (merged.get(Number(bucket)) ?? 0) + count);
  }
  return merged;
}

/**
 * The q-quantile (0 ≤ q ≤ 1) in ms, rounded: the duration of the close at 0-based rank ⌊q·(n−1)⌋ in
 * time order, within the relative accuracy; null when nothing was counted.
 */
export function sketchQuantileMs(merged: ReadonlyMap<number, number>, q: number): number | null {
  const buckets = [...merged.entries()].filter(([, n]) => n > 0).sort(([a], [b]) => a - b);
  const total = buckets.reduce((sum, [, n]) => sum + n, 0);
  if (total === 0) return null;
  const rank = Math.floor(q * (total - 1));
  let seen = 0;
  for (const [bucket, count] of buckets) {
    seen += count;
    if (seen > rank) return Math.round(sketchBucketValueMs(bucket));
  }
  return Math.round(sketchBucketValueMs(buckets.at(-1)?.[0] ?? 0));
}

export const sketchCount = (merged: ReadonlyMap<number, number>) => [...merged.values()].reduce((sum, n) => sum + n, 0);
