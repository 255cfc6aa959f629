import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { drizzle } from 'drizzle-orm/durable-sqlite';
import { describe, expect, it } from 'vitest';
import { countingStorage } from '../../bench/sql-counter';
import * as schema from '../../schema/town';
import * as convoys from '../../server/convoys/convoys';
import type { ConvoyContext } from '../../server/convoys/delivery';
import { allConvoyBeads, townStub } from '../helpers';
import { outboxRows } from '../town-helpers';
import { api, beadsFor, townWithRigs } from './convoy-helpers';

describe('convoy.beadClosed under concurrency', () => {
  it('counts 500 concurrent closes (each sent twice) exactly once and lands exactly once', async () => {
    const { townId, rigs } = await townWithRigs('north', 'south');
    const convoy = await api.convoy.create.mutate({
      townId,
      title: 'big',
      beads: [...beadsFor(rigs.north, 250), ...beadsFor(rigs.south, 250)],
    });
    expect(convoy.totalBeads).toBe(500);
    const close = (beadId: string) => api.convoy.beadClosed.mutate({ townId, convoyId: convoy.id, beadId });
    const results = await Promise.all(convoy.beadIds.flatMap((id) => [close(id), close(id)]));

    expect(results.filter((r) => r.status === 'landed').length).toBeGreaterThan(0);
    const final = await api.convoy.get.query({ townId, convoyId: convoy.id });
    expect(final).toMatchObject({ status: 'landed', closedBeads: 500, totalBeads: 500 });
    expect(final.rigs).toEqual(
      [rigs.north, rigs.south]
        .sort()
        .map((rigId) => ({ rigId, totalBeads: 250, closedBeads: 250, doneBeads: 250, failedBeads: 0, skippedBeads: 0 })),
    );
    expect(await allConvoyBeads({ townId, convoyId: convoy.id, status: 'closed' })).toHaveLength(500);
    const events = (await outboxRows(townId)).filter((r) => r.type === 'convoy.landed');
    expect(new Set(events.map((r) => r.eventId)).size).toBe(1);
    expect(events.map((r) => r.channel)).toEqual(['mayor']); // no webhook configured in this town
  });
});

/** Rows SQLite read and wrote for one beadClosed, measured on the real TownDO database. */
async function beadClosedCost(townId: string, convoyId: string, beadId: string) {
  return runInDurableObject(townStub(townId), (_instance, state) => {
    const counter = countingStorage(state.storage);
    const ctx: ConvoyContext = { db: drizzle(counter.storage, { schema }), env, townId, now: () => new Date(), armAlarm: async () => {} };
    const summary = convoys.beadClosed(ctx, { convoyId, beadId });
    return { summary, ...counter.take() };
  });
}

describe('convoy.beadClosed cost', () => {
  it('reads and writes the same few rows whatever the convoy size', async () => {
    const { townId, rigs } = await townWithRigs('alpha');
    const small = await api.convoy.create.mutate({ townId, title: 'small', beads: beadsFor(rigs.alpha, 2) });
    const large = await api.convoy.create.mutate({ townId, title: 'large', beads: beadsFor(rigs.alpha, 800) });

    const smallCost = await beadClosedCost(townId, small.id, small.beadIds[0] as string);
    const largeCost = await beadClosedCost(townId, large.id, large.beadIds[0] as string);
    expect(largeCost.summary).toMatchObject({ closedBeads: 1, totalBeads: 800 });
    expect(largeCost.rowsRead).toBe(smallCost.rowsRead);
    expect(largeCost.rowsWritten).toBe(smallCost.rowsWritten);
    // The targets: at most 5 rows read and 5 written per close (4 before the event log, issue 12).
    expect(largeCost.rowsRead).toBeLessThanOrEqual(5);
    expect(largeCost.rowsWritten).toBeLessThanOrEqual(5);
    // A repeat (already closed) is as cheap.
    const repeat = await beadClosedCost(townId, large.id, large.beadIds[0] as string);
    expect(repeat.summary.closedBeads).toBe(1);
    expect(repeat.rowsRead).toBeLessThanOrEqual(5);
    expect(repeat.rowsWritten).toBe(0);
    // The landing close (counter, status, outbox rows, their tasks) is bounded too.
    const landing = await beadClosedCost(townId, small.id, small.beadIds[1] as string);
    expect(landing.summary.status).toBe('landed');
    expect(landing.rowsRead).toBeLessThanOrEqual(20);
  });
});
