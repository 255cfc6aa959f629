import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { drizzle } from 'drizzle-orm/durable-sqlite';
import { it } from 'vitest';
import * as schema from '../schema/town';
import { addCost } from '../server/convoys/budgets';
import * as convoys from '../server/convoys/convoys';
import { compareMs, fmt, report } from './report';
import { countingStorage } from './sql-counter';
import { benchTown, quietLogs, spreadBeads, townStub, value } from './town';

// Scenario 19: a close of a convoy with a budget and a due date must cost no more than 1.2× the same
// close of a convoy with neither. A close is what the town does for `rig.closeBead` with a `cost`:
// `onBeadClosed` then the cost report keyed by the attempt (`close:0`). Both convoys live in the same
// town, with the same beads over the same rigs, and both closes carry the same cost; the budgeted one
// stays far below 80 % and is due a year out (on track), so nothing is raised: what is measured is the
// budget and forecast evaluation every close pays.

const SCENARIO = '19. close with a budget and a due date (vs neither)';
const RIG_COUNT = 10;
const BEADS = 2_000;
const COST_PER_CLOSE = 0.01;
const BUDGET = 1_000_000;
const TARGET_RATIO = 1.2;
const TIMING = { samples: 15, batch: 40, warmup: 5 };
const CLOSES = TIMING.warmup + TIMING.samples * TIMING.batch;
const YEAR_MS = 365 * 24 * 3_600_000;

it(SCENARIO, async () => {
  quietLogs();
  const { townId, stub, rigs } = await benchTown('budget-close', RIG_COUNT);
  const rigIds = rigs.map((r) => r.id);
  const make = async (title: string, guarded: boolean) =>
    value(
      await stub.createConvoy(townId, {
        title,
        beads: spreadBeads(rigIds, BEADS / RIG_COUNT),
        ...(guarded ? { budget: BUDGET, dueAt: new Date(Date.now() + YEAR_MS).toISOString() } : {}),
      }),
    );
  const plain = await make('plain', false);
  const guarded = await make('budgeted and dated', true);

  const closer = (convoy: { id: string; beadIds: string[] }) => async (i: number) => {
    const beadId = convoy.beadIds[i + TIMING.warmup];
    if (!beadId) throw new Error(`no bead for close ${i}`);
    value(await stub.onBeadClosed(townId, convoy.id, beadId));
    value(await stub.reportCost(townId, { convoyId: convoy.id, beadId, cost: COST_PER_CLOSE, reportId: 'close:0' }));
  };
  const ms = await compareMs({ plain: closer(plain), guarded: closer(guarded) }, TIMING);
  const ratio = ms.guarded / ms.plain;

  // The same two steps as plain module calls on a counting database, for the rows they read and write.
  const cost = (convoyId: string, beadId: string) =>
    runInDurableObject(townStub(townId), async (_instance, state) => {
      const counter = countingStorage(state.storage);
      const ctx = { db: drizzle(counter.storage, { schema }), env, townId, now: () => new Date(), armAlarm: async () => {} };
      convoys.beadClosed(ctx, { convoyId, beadId });
      await addCost(ctx, { convoyId, beadId, cost: COST_PER_CLOSE, reportId: 'close:0' });
      return counter.take();
    });
  const plainCost = await cost(plain.id, plain.beadIds[CLOSES] as string);
  const guardedCost = await cost(guarded.id, guarded.beadIds[CLOSES] as string);
  const got = value(await stub.getConvoy(townId, guarded.id));
  if (got.forecast.health !== 'on_track') throw new Error(`the guarded convoy is ${got.forecast.health}, not on_track`);
  if (got.pauses.length > 0) throw new Error('the guarded convoy was paused');

  await report([
    { scenario: SCENARIO, measure: 'plain convoy, TownDO RPCs onBeadClosed + reportCost (ms)', value: fmt(ms.plain, 3) },
    { scenario: SCENARIO, measure: 'convoy with a budget and a due date, the same RPCs (ms)', value: fmt(ms.guarded, 3) },
    {
      scenario: SCENARIO,
      measure: 'latency ratio guarded / plain',
      value: `${fmt(ratio)}×`,
      target: `≤ ${TARGET_RATIO}×`,
      met: ratio <= TARGET_RATIO,
      note: `${TIMING.samples} samples of ${TIMING.batch} closes each, interleaved; on track, spent ${fmt(got.spent)} of ${BUDGET}`,
    },
    {
      scenario: SCENARIO,
      measure: 'rows read / written: plain, guarded',
      value: `${plainCost.rowsRead} / ${plainCost.rowsWritten}, ${guardedCost.rowsRead} / ${guardedCost.rowsWritten}`,
      note: 'one beadClosed + one addCost (module calls, counting storage)',
    },
  ]);
});
