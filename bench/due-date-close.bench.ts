import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { drizzle } from 'drizzle-orm/durable-sqlite';
import { it } from 'vitest';
import * as schema from '../schema/town';
import * as convoys from '../server/convoys/convoys';
import { compareMs, fmt, report } from './report';
import { countingStorage } from './sql-counter';
import { benchTown, quietLogs, spreadBeads, townStub, value } from './town';

// Scenario 16: a close of a convoy with a due date (its forecast evaluated from the row the close just
// wrote) must cost no more than 1.2× the same close of a convoy without one. Both convoys live in the
// same town, with the same beads over the same rigs; the dated one is due a year out (on track), so no
// timed close raises anything: what is measured is the evaluation every close pays.

const SCENARIO = '16. beadClosed with a due date (vs without)';
const RIG_COUNT = 10;
const BEADS = 2_000;
const TARGET_RATIO = 1.2;
const TIMING = { samples: 15, batch: 40, warmup: 5 };
const CLOSES = TIMING.warmup + TIMING.samples * TIMING.batch;
const YEAR_MS = 365 * 24 * 3_600_000;

it(SCENARIO, async () => {
  quietLogs();
  const { townId, stub, rigs } = await benchTown('due-close', RIG_COUNT);
  const rigIds = rigs.map((r) => r.id);
  const make = async (title: string, dueAt?: string) =>
    value(await stub.createConvoy(townId, { title, beads: spreadBeads(rigIds, BEADS / RIG_COUNT), dueAt }));
  const plain = await make('undated');
  const dated = await make('dated', new Date(Date.now() + YEAR_MS).toISOString());

  const closer = (convoy: { id: string; beadIds: string[] }) => async (i: number) => {
    const beadId = convoy.beadIds[i + TIMING.warmup];
    if (!beadId) throw new Error(`no bead for close ${i}`);
    value(await stub.onBeadClosed(townId, convoy.id, beadId));
  };
  const ms = await compareMs({ plain: closer(plain), dated: closer(dated) }, TIMING);
  const ratio = ms.dated / ms.plain;

  const cost = (convoyId: string, beadId: string) =>
    runInDurableObject(townStub(townId), (_instance, state) => {
      const counter = countingStorage(state.storage);
      const db = drizzle(counter.storage, { schema });
      convoys.beadClosed({ db, env, townId, now: () => new Date() }, { convoyId, beadId });
      return counter.take();
    });
  const plainCost = await cost(plain.id, plain.beadIds[CLOSES] as string);
  const datedCost = await cost(dated.id, dated.beadIds[CLOSES] as string);
  const health = value(await stub.getConvoy(townId, dated.id)).forecast.health;
  if (health !== 'on_track') throw new Error(`the dated convoy is ${health}, not on_track`);
  const sameRows = plainCost.rowsRead === datedCost.rowsRead && plainCost.rowsWritten === datedCost.rowsWritten;

  await report([
    { scenario: SCENARIO, measure: 'undated convoy, TownDO RPC onBeadClosed (ms)', value: fmt(ms.plain, 3) },
    { scenario: SCENARIO, measure: 'convoy due in a year, TownDO RPC onBeadClosed (ms)', value: fmt(ms.dated, 3) },
    {
      scenario: SCENARIO,
      measure: 'latency ratio dated / undated',
      value: `${fmt(ratio)}×`,
      target: `≤ ${TARGET_RATIO}×`,
      met: ratio <= TARGET_RATIO,
      note: `${TIMING.samples} samples of ${TIMING.batch} closes each, interleaved; the dated convoy is on track (${CLOSES} closed)`,
    },
    {
      scenario: SCENARIO,
      measure: 'rows read / written: undated, dated',
      value: `${plainCost.rowsRead} / ${plainCost.rowsWritten}, ${datedCost.rowsRead} / ${datedCost.rowsWritten}`,
      target: 'the same',
      met: sameRows,
    },
  ]);
});
