// `npm run bench:floor`: the local runtime's floor under issue 25's targets, with none of town's code
// (bench/floor/floor-worker.ts in its own fresh `wrangler dev`, port BENCH_PORT, default 30750), measured
// the way scenario 15 and the close ladder measure town:
// - 200 concurrent raw fetches per rung, rungs interleaved over 7 timed rounds (rotating the first),
//   medians in calls/s and as a ratio of `GET /health`: a one-row DO read, a durable one-row close;
// - a create's fan-out, sequential calls: one DO committing a row, then N DOs committing one row each,
//   the answer once all did (N = 1 and 10), as the ms each extra rig adds.
// Writes bench/floor.json, which bench/results-server.ts adds to RESULTS.md (scenario 15c).
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { interleaved, perSecond, writeRunRows } from './node-runs.ts';
import { median } from './stats.ts';
import { benchRoot, startWranglerDev } from './wrangler-dev.ts';

const PORT = Number(process.env.BENCH_PORT ?? 30750);
const CONCURRENT = 200;
const ROUNDS = 7;
const FANOUTS_PER_ROUND = 20;
const SCENARIO = "15c. the local runtime's floor under scenario 15 (bench/floor/, no town code)";

async function floor(url: string) {
  let bead = 0;
  const concurrently = (init: () => [string, RequestInit?]) => () =>
    perSecond(() =>
      Array.from({ length: CONCURRENT }, async () => {
        const [path, options] = init();
        const res = await fetch(`${url}${path}`, options);
        if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
        return res.text();
      }),
    );
  const msPerFanout = (rigs: number) => async () => {
    const started = performance.now();
    for (let i = 0; i < FANOUTS_PER_ROUND; i++) {
      const res = await fetch(`${url}/fanout?rigs=${rigs}`, { method: 'POST' });
      if (!res.ok) throw new Error(`fanout: HTTP ${res.status}`);
      await res.text();
    }
    return (performance.now() - started) / FANOUTS_PER_ROUND;
  };
  await msPerFanout(10)(); // every rig DO woken once, as scenario 15's registered rigs are
  const rates = await interleaved(ROUNDS, {
    health: concurrently(() => ['/health']),
    read: concurrently(() => ['/read']),
    write: concurrently(() => ['/write', { method: 'POST', body: `bead-${bead++}` }]),
  });
  const fanouts = await interleaved(ROUNDS, { one: msPerFanout(1), ten: msPerFanout(10) });
  const health = median(rates.health);
  const ratio = (values: number[]) => `${(median(values) / health).toFixed(2)}×`;
  const one = median(fanouts.one);
  const ten = median(fanouts.ten);
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ');
  const rows = [
    { scenario: SCENARIO, measure: '200 concurrent GET /health (calls/s)', value: health.toFixed(0), note: `median of ${ROUNDS} rounds` },
    { scenario: SCENARIO, measure: '200 concurrent DO RPCs reading one row / GET /health', value: ratio(rates.read) },
    {
      scenario: SCENARIO,
      measure: '200 concurrent DO RPCs committing a close (a row updated, an event row inserted) / GET /health',
      value: ratio(rates.write),
      note: 'no auth, no validation, no log line: what any close that is its own durable DO call can reach here at most (scenario 15 target ≥ 0.6×)',
    },
    { scenario: SCENARIO, measure: 'fan-out: one DO commits, then 1 DO commits a row, before the answer (ms)', value: one.toFixed(2) },
    { scenario: SCENARIO, measure: 'fan-out: the same with 10 DOs (ms)', value: ten.toFixed(2) },
    {
      scenario: SCENARIO,
      measure: 'fan-out: each extra DO (ms)',
      value: ((ten - one) / 9).toFixed(2),
      note: `the least an extra rig adds to a create that waits for its rigs, on the one local thread; load average at the end ${load}`,
    },
  ];
  writeRunRows('floor.json', 'npm run bench:floor', rows);
  for (const row of rows) console.log(`${row.measure}: ${row.value}`);
}

const server = await startWranglerDev(PORT, undefined, join(benchRoot, 'bench', 'floor', 'wrangler.jsonc'));
try {
  await floor(server.url);
} finally {
  server.stop();
}
