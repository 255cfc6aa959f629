import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { drizzle } from 'drizzle-orm/durable-sqlite';
import { it } from 'vitest';
import * as schema from '../schema/town';
import { rearm, scheduleTask } from '../server/core/scheduler';
import { MAINTENANCE_TASK_ID, MAINTENANCE_TASK_KIND } from '../server/retention/maintenance-schedule';
import { RETENTION_BATCH_ROWS } from '../server/retention/pace';
import { fmt, median, percentile, report } from './report';
import { seedConvoys, seedDeliveredOutbox } from './seed';
import { benchTown, quietLogs, spreadBeads, townStub, value } from './town';

// Scenario 14: a close that meets a prune batch, the worst case (scenario 6 times closes at the prune's
// own pace). The town holds landed convoys of 1,000 beads and delivered notifications, all 40 days old.
// Before every 3rd timed close the maintenance task is made due and the TownDO's real alarm() is started
// (runDueTasks → one batch: outbox rows, then, once they are done, convoy beads); then the close is sent,
// so it arrives while the batch holds the DO. Baseline: the same closes, every 3rd behind an alarm() with
// nothing due, so what differs is the prune, not the alarm. The two alternate in blocks (a slow spell of
// the shared machine hits both alike). Closes with no alarm at all are reported too.

const SCENARIO = '14. a close that meets a prune batch (worst case)';
const RIG_COUNT = 10;
// 1,800 closes each way: with a clock in whole ms, a p99 over a few hundred samples moves a whole step at random.
const BLOCKS = 60;
const CLOSES_PER_BLOCK = 30;
const CLOSES_ALONE = 600;
// Outbox rows for half the timed batches, convoy beads for the other half and a fifth more, so every
// timed batch deletes a full batch, of each kind in turn.
const TIMED_BATCHES = (BLOCKS * CLOSES_PER_BLOCK) / 3;
const OLD_BEADS_PER_CONVOY = 1_000;
const OLD_OUTBOX_ROWS = (TIMED_BATCHES / 2) * RETENTION_BATCH_ROWS;
const OLD_CONVOYS = Math.ceil((0.7 * TIMED_BATCHES * RETENTION_BATCH_ROWS) / OLD_BEADS_PER_CONVOY);

const p99 = (values: number[]) => percentile(values, 99);

it(SCENARIO, { timeout: 600_000 }, async () => {
  quietLogs();
  const { townId, stub, rigs } = await benchTown('prune', RIG_COUNT);
  const town = townStub(townId);
  const rigIds = rigs.map((r) => r.id);
  await runInDurableObject(town, (_i, state) => {
    seedConvoys(state.storage, { convoys: OLD_CONVOYS, beadsPerConvoy: OLD_BEADS_PER_CONVOY, rigIds, daysAgo: 40, prefix: 'old-' });
    seedDeliveredOutbox(state.storage, OLD_OUTBOX_ROWS, 40);
  });
  // Beads to close: 9 of each 10-bead convoy, so no timed close lands one.
  const beads: { convoyId: string; beadId: string }[] = [];
  while (beads.length < CLOSES_ALONE + 2 * BLOCKS * CLOSES_PER_BLOCK) {
    const convoy = value(await stub.createConvoy(townId, { title: 'timed', beads: spreadBeads(rigIds, 1) }));
    beads.push(...convoy.beadIds.slice(0, 9).map((beadId) => ({ convoyId: convoy.id, beadId })));
  }
  const remaining = () =>
    runInDurableObject(town, (_i, state) => ({
      beads: state.storage.sql.exec("select count(*) as n from convoy_beads where convoy_id like 'old-%'").one().n as number,
      outbox: state.storage.sql.exec("select count(*) as n from outbox where id like 'seed-%'").one().n as number,
    }));
  // Arms the alarm with the maintenance task due now (a batch of each kind), or due in an hour (nothing to do).
  const armAlarm = (prune: boolean) =>
    runInDurableObject(town, async (_i, state) => {
      const db = drizzle(state.storage, { schema });
      const dueAt = Date.now() + (prune ? 0 : 60 * 60 * 1000);
      scheduleTask(db, { id: MAINTENANCE_TASK_ID, kind: MAINTENANCE_TASK_KIND, dueAt, replace: true });
      await rearm(state.storage, db);
      if (!prune) await state.storage.setAlarm(Date.now());
    });
  let batches = 0;
  // Arms and starts the alarm; `finished` is handed back unawaited (wrapped, or `await` would wait for the
  // run), so the close that follows is sent while the alarm holds the DO.
  const startAlarm = async (prune: boolean) => {
    await armAlarm(prune);
    const finished = runDurableObjectAlarm(town).then((ran) => {
      if (!ran) throw new Error('the alarm did not run');
      if (prune) batches += 1;
    });
    return { finished };
  };

  let next = 0;
  const closes = async (n: number, alarm: 'none' | 'idle' | 'prune') => {
    const ms: number[] = [];
    for (let i = 0; i < n; i++) {
      const bead = beads[next++];
      if (!bead) throw new Error('out of beads');
      const alarmRun = alarm !== 'none' && i % 3 === 0 ? await startAlarm(alarm === 'prune') : undefined;
      const started = performance.now();
      const summary = value(await stub.onBeadClosed(townId, bead.convoyId, bead.beadId));
      ms.push(performance.now() - started);
      await alarmRun?.finished;
      if (summary.status !== 'active') throw new Error('a timed close landed its convoy');
    }
    return ms;
  };

  const alone = await closes(CLOSES_ALONE, 'none');
  const seeded = await remaining();
  if (seeded.beads !== OLD_CONVOYS * OLD_BEADS_PER_CONVOY || seeded.outbox !== OLD_OUTBOX_ROWS) throw new Error('pruned too early');
  const without: number[] = [];
  const during: number[] = [];
  for (let b = 0; b < BLOCKS; b++) {
    for (const kind of b % 2 ? (['prune', 'idle'] as const) : (['idle', 'prune'] as const)) {
      (kind === 'prune' ? during : without).push(...(await closes(CLOSES_PER_BLOCK, kind)));
    }
  }
  const left = await remaining();
  // Every timed batch deleted a full batch (none of the collisions met an empty one), of both kinds.
  if (left.beads === 0 || left.outbox > 0) throw new Error(`the timed batches did not end among the convoys: ${JSON.stringify(left)}`);
  const pruned = { beads: seeded.beads - left.beads, outbox: seeded.outbox - left.outbox };
  if (pruned.outbox + pruned.beads < batches * RETENTION_BATCH_ROWS)
    throw new Error(`${JSON.stringify(pruned)} pruned by ${batches} batches`);
  // The rest of the prune (convoy batches), each batch's alarm() timed alone (no close waiting).
  const batchMs: number[] = [];
  while (Object.values(await remaining()).some((n) => n > 0)) {
    await armAlarm(true);
    const started = performance.now();
    await runDurableObjectAlarm(town);
    batchMs.push(performance.now() - started);
  }
  // The same alarm() round trip with nothing due, for what the batch itself adds.
  const idleMs: number[] = [];
  for (let i = 0; i < batchMs.length; i++) {
    await armAlarm(false);
    const started = performance.now();
    await runDurableObjectAlarm(town);
    idleMs.push(performance.now() - started);
  }

  const ratio = p99(during) / p99(without);
  const stats = (ms: number[]) => `${fmt(median(ms), 1)} / ${fmt(p99(ms), 1)}`;
  await report([
    {
      scenario: SCENARIO,
      measure: 'close alone: median / p99 (ms)',
      value: stats(alone),
      note: `${alone.length} closes (TownDO RPC onBeadClosed), no alarm`,
    },
    {
      scenario: SCENARIO,
      measure: 'close without a prune: median / p99 (ms)',
      value: stats(without),
      note: `${without.length} closes, every 3rd behind an alarm() with nothing due`,
    },
    {
      scenario: SCENARIO,
      measure: 'close during the prune: median / p99 (ms)',
      value: stats(during),
      note: `${during.length} closes, every 3rd behind a maintenance batch (${RETENTION_BATCH_ROWS} outbox rows, or ${RETENTION_BATCH_ROWS} bead rows of one convoy once the outbox is done): ${batches} batches pruned ${pruned.beads.toLocaleString('en')} bead rows and ${pruned.outbox.toLocaleString('en')} outbox rows`,
    },
    {
      scenario: SCENARIO,
      measure: 'one maintenance batch: alarm() median / p99 (ms)',
      value: stats(batchMs),
      note: `the ${batchMs.length} convoy batches that finished the prune, each timed with nothing else running`,
    },
    {
      scenario: SCENARIO,
      measure: 'alarm() with nothing due: median / p99 (ms)',
      value: stats(idleMs),
      note: 'the same round trip without a batch: the difference is what a batch holds the DO for',
    },
    {
      scenario: SCENARIO,
      measure: 'p99 ratio during / without',
      value: `${fmt(ratio)}×`,
      note: `what a close that meets a batch pays (scenario 6 holds the target: at the prune's own pace few do); blocks of ${CLOSES_PER_BLOCK} closes alternate; the Workers clock moves in whole ms, so a p99 of a few ms is coarse; against closes with no alarm: ${fmt(p99(during) / p99(alone))}×`,
    },
  ]);
});
