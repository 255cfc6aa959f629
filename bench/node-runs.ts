// What the scenarios run from Node over real HTTP (outside vitest) share: variants interleaved over
// rounds, a rate of calls made together, and the JSON file each leaves for the results server
// (bench/results-server.ts adds its rows to RESULTS.md).
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import type { BenchRow } from './results-server.ts';
import { benchRoot } from './wrangler-dev.ts';

/**
 * Runs every variant once per round for `rounds` rounds after an untimed warm-up round, rotating which
 * goes first, so a slow spell of the shared machine hits every variant alike; each variant's results.
 */
export async function interleaved<K extends string>(
  rounds: number,
  variants: Record<K, () => Promise<number>>,
): Promise<Record<K, number[]>> {
  const names = Object.keys(variants) as K[];
  const results = Object.fromEntries(names.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  for (let round = -1; round < rounds; round++) {
    for (let v = 0; v < names.length; v++) {
      const name = names[(Math.max(round, 0) + v) % names.length] as K;
      const value = await variants[name]();
      if (round >= 0) results[name].push(value);
    }
  }
  return results;
}

/** Calls per second of the calls `start` makes at once, from the first start to the last answer. */
export async function perSecond(start: () => Promise<unknown>[]): Promise<number> {
  const started = performance.now();
  const calls = start();
  await Promise.all(calls);
  return (calls.length * 1000) / (performance.now() - started);
}

/** Keeps a run's rows in bench/<file>, with the command, the machine and the date, for RESULTS.md. */
export function writeRunRows(file: string, command: string, rows: BenchRow[]): void {
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  const out = { command, machine, date: new Date().toISOString(), rows };
  writeFileSync(join(benchRoot, 'bench', file), `${JSON.stringify(out, null, 2)}\n`);
}
