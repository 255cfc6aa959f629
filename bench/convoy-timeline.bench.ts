import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/durable-sqlite';
import { it } from 'vitest';
import * as schema from '../schema/town';
import * as convoys from '../server/convoys/convoys';
import { convoyTimeline, timelineFigures } from '../server/convoys/timeline';
import type { TownContext } from '../server/core/context';
import { listEvents } from '../server/core/event-log';
import { fmt, report } from './report';
import { countingStorage } from './sql-counter';
import { benchTown, quietLogs, spreadBeads, townStub, value } from './town';

// Scenario 11: convoy.timeline's figures (p50/p90 of the time from creation to each close) on a convoy
// with 10,000 closes: from the close-time sketch on the convoy row, against the exact percentiles
// computed by reading every close event of the convoy (the way without the sketch). Rows read by
// each, and how far the sketch's answer is from the exact one.

const SCENARIO = '11. convoy.timeline figures (10,000 closes): sketch vs every close';
const RIG_COUNT = 10;
const BEADS = 10_000;
const BEADS_PER_CALL = 1_000;
const CLOSE_SPACING_MS = 360; // 10,000 closes over an hour
const TARGET_FIGURE_ROWS = 5;
const TARGET_RELATIVE_ERROR = 0.02;

it(SCENARIO, async () => {
  quietLogs();
  const { townId, stub, rigs } = await benchTown('timeline', RIG_COUNT);
  const rigIds = rigs.map((r) => r.id);
  const first = value(await stub.createConvoy(townId, { title: 'long story', beads: spreadBeads(rigIds, BEADS_PER_CALL / RIG_COUNT) }));
  const beadIds = [...first.beadIds];
  while (beadIds.length < BEADS) {
    const more = value(
      await stub.addConvoyBeads(townId, {
        convoyId: first.id,
        beads: spreadBeads(rigIds, BEADS_PER_CALL / RIG_COUNT, `more-${beadIds.length}`),
      }),
    );
    beadIds.push(...more.beadIds);
  }
  const createdAt = Date.parse(first.createdAt);
  // Closes at a controlled clock, 360 ms apart, with an uneven tail (every 10th close is 5× later).
  await runInDurableObject(townStub(townId), (_instance, state) => {
    const db = drizzle(state.storage, { schema });
    beadIds.forEach((beadId, i) => {
      const at = createdAt + (i + 1) * CLOSE_SPACING_MS * (i % 10 === 9 ? 5 : 1);
      convoys.beadClosed({ db, env, townId, now: () => new Date(at) }, { convoyId: first.id, beadId });
    });
  });

  const measure = <T>(fn: (ctx: TownContext) => T) =>
    runInDurableObject(townStub(townId), (_instance, state) => {
      const counter = countingStorage(state.storage);
      const result = fn({ db: drizzle(counter.storage, { schema }), env, townId, now: () => new Date() });
      return { result, ...counter.take() };
    });
  const sketched = await measure((ctx) => convoyTimeline(ctx, { convoyId: first.id, limit: 50 }));
  const exact = await measure((ctx) => {
    const closeMs: number[] = [];
    let after: string | undefined;
    for (;;) {
      const page = listEvents(ctx, { convoyId: first.id, after, limit: 200 });
      for (const e of page.items) if (e.type === 'convoy.bead_closed') closeMs.push(Date.parse(e.at) - createdAt);
      if (page.nextCursor === null) break;
      after = page.nextCursor;
    }
    closeMs.sort((a, b) => a - b);
    const at = (q: number) => closeMs[Math.floor(q * (closeMs.length - 1))] as number;
    return { count: closeMs.length, p50Ms: at(0.5), p90Ms: at(0.9) };
  });
  const { closeTimes } = sketched.result.figures;
  if (closeTimes.timed !== BEADS || exact.result.count !== BEADS) throw new Error('not every close was counted');
  const error = (got: number | null, want: number) => Math.abs((got ?? Number.NaN) - want) / want;
  const worst = Math.max(error(closeTimes.p50Ms, exact.result.p50Ms), error(closeTimes.p90Ms, exact.result.p90Ms));
  const figures = await measure((ctx) => {
    const row = ctx.db.select().from(schema.convoys).where(eq(schema.convoys.id, first.id)).get();
    if (!row) throw new Error('no convoy row');
    return { figures: timelineFigures(row), sketchBuckets: Object.keys(row.closeMsSketch).length };
  });

  await report([
    {
      scenario: SCENARIO,
      measure: 'convoy.timeline (figures + a 50-event page): rows read',
      value: String(sketched.rowsRead),
      note: "the convoy row (figures and summary), the story's first event (truncated?), 51 events along the convoy index",
    },
    {
      scenario: SCENARIO,
      measure: 'figures alone: rows read',
      value: String(figures.rowsRead),
      target: `≤ ${TARGET_FIGURE_ROWS}`,
      met: figures.rowsRead <= TARGET_FIGURE_ROWS,
      note: `the convoy row holds the sketch (${figures.result.sketchBuckets} buckets for ${BEADS} closes), whatever the number of closes`,
    },
    {
      scenario: SCENARIO,
      measure: 'exact p50/p90 by reading every close event: rows read',
      value: String(exact.rowsRead),
      note: `${BEADS} closes of ${BEADS + RIG_COUNT + 2} events: O(closes) per call`,
    },
    {
      scenario: SCENARIO,
      measure: 'ratio exact / timeline (rows read)',
      value: `${fmt(exact.rowsRead / sketched.rowsRead, 0)}×`,
    },
    {
      scenario: SCENARIO,
      measure: 'p50 / p90 from the sketch vs exact (ms)',
      value: `${closeTimes.p50Ms} / ${closeTimes.p90Ms} vs ${exact.result.p50Ms} / ${exact.result.p90Ms}`,
      target: `within ${TARGET_RELATIVE_ERROR * 100} %`,
      met: worst <= TARGET_RELATIVE_ERROR,
      note: `worst relative error ${fmt(worst * 100)} %`,
    },
  ]);
});
