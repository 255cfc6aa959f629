// `npm run bench:big-convoy`: a 100,000-bead convoy into a fresh `wrangler dev --env dev` (started
// here on BENCH_PORT, default 30700, with its own empty state directory), over HTTP with the typed
// client: one `convoy.create` and then `convoy.addBeads` calls of BENCH_CHUNK beads each, over 10 rigs,
// then the same into a town with one rig (all 100,000 beads in one Rig DO).
// Each call returns once its beads were handed to their rigs (the inline delivery), so the clock
// stops after the last call; every rig's beads are then counted (untimed) to prove they arrived.
// Writes bench/big-convoy.json, which bench/results-server.ts adds to RESULTS.md.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTownClient } from '../client/index.ts';
import { writeRunRows } from './node-runs.ts';
import { median } from './stats.ts';

const PORT = Number(process.env.BENCH_PORT ?? 30700);
const TOTAL_BEADS = Number(process.env.BENCH_TOTAL ?? 100_000);
const CHUNK_BEADS = Number(process.env.BENCH_CHUNK ?? 5_000);
const TARGET_TOTAL_MS = 10_000;
const TARGET_FLATNESS = 1.2; // last 10 calls vs first 10
const TARGET_ONE_RIG_FLATNESS = 1.2; // one rig: last 4 addBeads vs first 4 (issue 25)
const STARTUP_TIMEOUT_MS = 120_000;

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const url = `http://127.0.0.1:${PORT}`;
const town = createTownClient({ url, token: 'dev-token' });

function startWrangler(stateDir: string): ChildProcess {
  const args = ['wrangler', 'dev', '--env', 'dev', '--ip', '127.0.0.1', '--port', String(PORT)];
  args.push(
    '--inspector-port',
    String(PORT + 1),
    '--persist-to',
    stateDir,
    '--log-level',
    process.env.BENCH_WRANGLER_LOG ? 'info' : 'warn',
  );
  // BENCH_WRANGLER_LOG=<file> keeps the server's log lines (each delivery's durationMs…).
  const log = process.env.BENCH_WRANGLER_LOG ? openSync(process.env.BENCH_WRANGLER_LOG, 'w') : 'ignore';
  return spawn('npx', args, { cwd: root, stdio: ['ignore', log, 'inherit'], detached: true });
}

async function waitForHealth(): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const res = await fetch(`${url}/health`).catch(() => null);
    if (res?.ok) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`wrangler dev did not answer on ${url} within ${STARTUP_TIMEOUT_MS} ms`);
}

async function run(RIG_COUNT: number) {
  const townId = `big-convoy-${RIG_COUNT}-${Date.now().toString(36)}`;
  const rigs: { id: string }[] = [];
  for (let i = 0; i < RIG_COUNT; i++) rigs.push(await town.rig.register.mutate({ townId, name: `rig-${i}` }));
  const chunk = (n: number) =>
    Array.from({ length: CHUNK_BEADS }, (_, i) => ({
      rigId: rigs[i % RIG_COUNT]?.id ?? '',
      title: `bead ${n * CHUNK_BEADS + i}`,
      body: 'Do the thing described in the ticket, then close the bead.',
    }));
  // A small create first, not counted, so the first timed call is not a cold start.
  await town.convoy.create.mutate({ townId, title: 'warm-up', beads: [{ rigId: rigs[0]?.id ?? '', title: 'warm' }] });

  const calls: number[] = [];
  const started = performance.now();
  let t = performance.now();
  const first = await town.convoy.create.mutate({ townId, title: 'big', beads: chunk(0) });
  calls.push(performance.now() - t);
  for (let n = 1; n * CHUNK_BEADS < TOTAL_BEADS; n++) {
    t = performance.now();
    await town.convoy.addBeads.mutate({ townId, convoyId: first.id, beads: chunk(n) });
    calls.push(performance.now() - t);
  }
  const totalMs = performance.now() - started;

  // Untimed proof: the convoy holds every bead and each rig received its share.
  const convoy = await town.convoy.list.query({ townId, limit: 5 });
  const big = convoy.items.find((c) => c.id === first.id);
  if (big?.totalBeads !== TOTAL_BEADS) throw new Error(`convoy holds ${big?.totalBeads} beads, not ${TOTAL_BEADS}`);
  let delivered = 0;
  for (const rig of rigs) {
    let cursor: string | undefined;
    do {
      const page = await town.rig.beads.query({ townId, rigId: rig.id, convoyId: first.id, limit: 200, cursor });
      delivered += page.items.length;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }
  if (delivered !== TOTAL_BEADS) throw new Error(`rigs hold ${delivered} beads of the convoy, not ${TOTAL_BEADS}`);

  const window = Math.min(10, Math.floor(calls.length / 2));
  const firstMs = median(calls.slice(0, window));
  const lastMs = median(calls.slice(-window));
  // The one-rig target (issue 25): the last 4 addBeads against the first 4 (the create excluded).
  const adds = calls.slice(1);
  const firstAddsMs = median(adds.slice(0, 4));
  const lastAddsMs = median(adds.slice(-4));
  return { totalMs, calls, firstMs, lastMs, window, delivered, firstAddsMs, lastAddsMs };
}

async function main() {
  const stateDir = mkdtempSync(join(tmpdir(), 'town-big-convoy-'));
  const wrangler = startWrangler(stateDir);
  try {
    await waitForHealth();
    const r = await run(10);
    const one = await run(1);
    const flatness = r.lastMs / r.firstMs;
    const oneRigFlatness = one.lastAddsMs / one.firstAddsMs;
    const scenario = `5. 100,000-bead convoy in wrangler dev (${TOTAL_BEADS / CHUNK_BEADS} calls of ${CHUNK_BEADS.toLocaleString('en')})`;
    const rows = [
      {
        scenario,
        measure: 'all in and delivered (ms)',
        value: r.totalMs.toFixed(0),
        target: `≤ ${TARGET_TOTAL_MS}`,
        met: r.totalMs <= TARGET_TOTAL_MS,
        note: `1 create + ${r.calls.length - 1} addBeads over HTTP, 10 rigs; each call returns after its beads reached their rigs; ${r.delivered} beads counted in the rigs afterwards`,
      },
      { scenario, measure: `median call, first ${r.window} (ms)`, value: r.firstMs.toFixed(0) },
      { scenario, measure: `median call, last ${r.window} (ms)`, value: r.lastMs.toFixed(0) },
      {
        scenario,
        measure: `per-call flatness (last ${r.window} / first ${r.window})`,
        value: `${flatness.toFixed(2)}×`,
        target: `≤ ${TARGET_FLATNESS}×`,
        met: flatness <= TARGET_FLATNESS,
        note: `every call (ms): ${r.calls.map((c) => c.toFixed(0)).join(', ')}`,
      },
      {
        scenario,
        measure: 'one rig holding all 100,000: all in and delivered (ms)',
        value: one.totalMs.toFixed(0),
        note: `the same calls, every bead to one rig; ${one.delivered} beads counted in it afterwards`,
      },
      {
        scenario,
        measure: 'one rig: flatness (median of the last 4 addBeads / the first 4)',
        value: `${oneRigFlatness.toFixed(2)}×`,
        target: `≤ ${TARGET_ONE_RIG_FLATNESS}×`,
        met: oneRigFlatness <= TARGET_ONE_RIG_FLATNESS,
        note: `first 4 ${one.firstAddsMs.toFixed(0)} ms, last 4 ${one.lastAddsMs.toFixed(0)} ms; every call (ms): ${one.calls.map((c) => c.toFixed(0)).join(', ')}`,
      },
    ];
    writeRunRows('big-convoy.json', 'npm run bench:big-convoy', rows);
    for (const row of rows) console.log(`${row.measure}: ${row.value}${row.target ? ` (target ${row.target})` : ''}`);
    if (rows.some((row) => row.met === false)) process.exitCode = 1;
  } finally {
    if (wrangler.pid) process.kill(-wrangler.pid, 'SIGTERM');
    rmSync(stateDir, { recursive: true, force: true });
  }
}

await main();
