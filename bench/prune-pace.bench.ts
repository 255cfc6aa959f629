import { runInDurableObject } from 'cloudflare:test';
import { drizzle } from 'drizzle-orm/durable-sqlite';
import { it } from 'vitest';
import * as schema from '../schema/town';
import { rearm, scheduleTask } from '../server/core/scheduler';
import { MAINTENANCE_TASK_ID, MAINTENANCE_TASK_KIND } from '../server/retention/maintenance-schedule';
import { RETENTION_BATCH_PAUSE_MS, RETENTION_BATCH_ROWS } from '../server/retention/pace';
import { fmt, median, percentile, report } from './report';
import { seedConvoys, seedDeliveredOutbox } from './seed';
import { benchTown, quietLogs, spreadBeads, townStub, value } from './town';

// Scenario 6: closes while retention prunes at its own pace. The town holds landed convoys of 1,000
// beads and delivered notifications, all 40 days old. Closes go back to back, one after the other, in
// blocks; in every other block the maintenance task is due, and the runtime's own alarm runs it batch
// after batch, with the scheduler's pause between batches, as in a deployed town. In the other blocks
// nothing is due. Blocks alternate, so a slow spell of the shared machine hits both alike. (Scenario 14
// times the worst case: a close sent while a batch holds the DO.)

const SCENARIO = '6. close during a prune';
const RIG_COUNT = 10;
const BLOCKS = 16;
const CLOSES_PER_BLOCK = 400;
const OLD_BEADS_PER_CONVOY = 1_000;
const TARGET_P99_RATIO = 2;
// Enough old convoys that the prune never runs dry while timed (a batch as each block starts, then one
// per pause for up to 5 ms per close); outbox rows for a quarter of that, so both kinds of batch are timed.
const MAX_BATCHES = BLOCKS / 2 + Math.ceil(((BLOCKS / 2) * CLOSES_PER_BLOCK * 5) / RETENTION_BATCH_PAUSE_MS);
const OLD_CONVOYS = Math.ceil((MAX_BATCHES * RETENTION_BATCH_ROWS) / OLD_BEADS_PER_CONVOY) + 1;
const OLD_OUTBOX_ROWS = Math.ceil(MAX_BATCHES / 4) * RETENTION_BATCH_ROWS;

const p99 = (values: number[]) => percentile(values, 99);

it(SCENARIO, { timeout: 600_000 }, async () => {
  quietLogs();
  const { townId, stub, rigs } = await benchTown('prune-pace', RIG_COUNT);
  const town = townStub(townId);
  const rigIds = rigs.map((r) => r.id);
  await runInDurableObject(town, (_i, state) => {
    seedConvoys(state.storage, { convoys: OLD_CONVOYS, beadsPerConvoy: OLD_BEADS_PER_CONVOY, rigIds, daysAgo: 40, prefix: 'old-' });
    seedDeliveredOutbox(state.storage, OLD_OUTBOX_ROWS, 40);
  });
  // Beads to close: 9 of each 10-bead convoy, so no timed close lands one.
  const beads: { convoyId: string; beadId: string }[] = [];
  while (beads.length < BLOCKS * CLOSES_PER_BLOCK) {
    const convoy = value(await stub.createConvoy(townId, { title: 'timed', beads: spreadBeads(rigIds, 1) }));
    beads.push(...convoy.beadIds.slice(0, 9).map((beadId) => ({ convoyId: convoy.id, beadId })));
  }
  const remaining = () =>
    runInDurableObject(town, (_i, state) => ({
      beads: state.storage.sql.exec("select count(*) as n from convoy_beads where convoy_id like 'old-%'").one().n as number,
      outbox: state.storage.sql.exec("select count(*) as n from outbox where id like 'seed-%'").one().n as number,
    }));
  // The maintenance task due now (the runtime's alarm takes it from there), or in an hour (no prune).
  const setPrune = (on: boolean) =>
    runInDurableObject(town, async (_i, state) => {
      const db = drizzle(state.storage, { schema });
      scheduleTask(db, {
        id: MAINTENANCE_TASK_ID,
        kind: MAINTENANCE_TASK_KIND,
        dueAt: Date.now() + (on ? 0 : 60 * 60 * 1000),
        replace: true,
      });
      await rearm(state.storage, db);
    });

  let next = 0;
  const closes = async (n: number) => {
    const ms: number[] = [];
    for (let i = 0; i < n; i++) {
      const bead = beads[next++];
      if (!bead) throw new Error('out of beads');
      const started = performance.now();
      const summary = value(await stub.onBeadClosed(townId, bead.convoyId, bead.beadId));
      ms.push(performance.now() - started);
      if (summary.status !== 'active') throw new Error('a timed close landed its convoy');
      // A turn of the event loop, as between calls from other Workers: the test calls from the DO's own
      // isolate, and without it the runtime never gets to start the alarm between two closes.
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    return ms;
  };

  const seeded = await remaining();
  const without: number[] = [];
  const during: number[] = [];
  let pruneMs = 0;
  for (let b = 0; b < BLOCKS; b++) {
    const prune = b % 2 === 1;
    await setPrune(prune);
    const started = performance.now();
    (prune ? during : without).push(...(await closes(CLOSES_PER_BLOCK)));
    if (prune) pruneMs += performance.now() - started;
  }
  await setPrune(false);
  const left = await remaining();
  if (left.beads === 0) throw new Error('the prune ran out of rows while timed');
  const pruned = { beads: seeded.beads - left.beads, outbox: seeded.outbox - left.outbox };
  // A run prunes one kind, the outbox first: both kinds must have been timed.
  if (left.outbox > 0 || pruned.beads === 0) throw new Error(`not both kinds of batch were timed: ${JSON.stringify(pruned)}`);
  const batches = Math.ceil(pruned.outbox / RETENTION_BATCH_ROWS) + Math.ceil(pruned.beads / RETENTION_BATCH_ROWS);

  const ratio = p99(during) / p99(without);
  const stats = (ms: number[]) => `${fmt(median(ms), 1)} / ${fmt(p99(ms), 1)}`;
  await report([
    {
      scenario: SCENARIO,
      measure: 'close without a prune: median / p99 (ms)',
      value: stats(without),
      note: `${without.length} closes (TownDO RPC onBeadClosed) back to back, nothing due`,
    },
    {
      scenario: SCENARIO,
      measure: 'close during a prune: median / p99 (ms)',
      value: stats(during),
      note: `${during.length} closes back to back while the runtime's alarm pruned, ${RETENTION_BATCH_PAUSE_MS} ms between batches: ${batches} batches in ${fmt(pruneMs / 1000, 1)} s pruned ${pruned.beads.toLocaleString('en')} bead rows and ${pruned.outbox.toLocaleString('en')} outbox rows`,
    },
    {
      scenario: SCENARIO,
      measure: 'p99 ratio during / without',
      value: `${fmt(ratio)}×`,
      target: `≤ ${TARGET_P99_RATIO}×`,
      met: ratio <= TARGET_P99_RATIO,
      note: `blocks of ${CLOSES_PER_BLOCK} closes alternate; the Workers clock moves in whole ms, so a p99 of a few ms is coarse`,
    },
  ]);
});
