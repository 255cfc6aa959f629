import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as schema from '../../schema/town';
import { beadClosed } from '../../server/convoys/convoys';
import { scheduleTask } from '../../server/core/scheduler';
import { runMaintenance } from '../../server/retention/maintenance';
import { RETENTION_BATCH_ROWS } from '../../server/retention/pace';
import { expectTrpcError, withTownDb } from '../helpers';
import { DAY_MS, inTown, maintainUntilDone } from '../town/storage-helpers';
import { api, beadsFor, townWithRigs } from './convoy-helpers';

const beadRows = (townId: string, convoyId: string) =>
  withTownDb(townId, (db) => db.select().from(schema.convoyBeads).where(eq(schema.convoyBeads.convoyId, convoyId)).all());
/** Per-rig progress as convoy.get answers it (kept on the convoy's row, so compaction leaves it). */
const figures = async (townId: string, convoyId: string) => (await api.convoy.get.query({ townId, convoyId })).rigs;

/** Every bead closed, by the module the rigs' reports reach (in the DO: 1,200 HTTP calls would be slow). */
function closeAll(townId: string, convoy: { id: string; beadIds: string[] }) {
  return inTown(townId, Date.now(), (ctx) => {
    for (const beadId of convoy.beadIds) beadClosed(ctx, { convoyId: convoy.id, beadId });
  });
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('convoy compaction', () => {
  it('drops the bead rows of landed and cancelled convoys past retention, in batches, keeping every figure', {
    timeout: 30_000,
  }, async () => {
    const { townId, rigs } = await townWithRigs('north', 'south');
    // Over several batches, with closed and open beads on each rig.
    const big = await api.convoy.create.mutate({
      townId,
      title: 'big',
      beads: [...beadsFor(rigs.north, 700), ...beadsFor(rigs.south, 500)],
    });
    await closeAll(townId, big);
    const landed = await api.convoy.get.query({ townId, convoyId: big.id });
    expect(landed.status).toBe('landed');
    const cancelled = await api.convoy.create.mutate({
      townId,
      title: 'cancelled',
      beads: [...beadsFor(rigs.north, 3), ...beadsFor(rigs.south, 2)],
    });
    await api.convoy.beadClosed.mutate({ townId, convoyId: cancelled.id, beadId: cancelled.beadIds[0] ?? '' });
    await api.convoy.cancel.mutate({ townId, convoyId: cancelled.id });
    const active = await api.convoy.create.mutate({ townId, title: 'active', beads: beadsFor(rigs.north, 2) });
    const before = { big: await figures(townId, big.id), cancelled: await figures(townId, cancelled.id) };
    expect(before.cancelled).toContainEqual({
      rigId: rigs.north,
      totalBeads: 3,
      closedBeads: 1,
      doneBeads: 1,
      failedBeads: 0,
      skippedBeads: 0,
    });

    // Within retention nothing goes.
    expect(await maintainUntilDone(townId, Date.now() + 29 * DAY_MS)).toBe(1);
    expect(await beadRows(townId, big.id)).toHaveLength(1200);

    const batches = await maintainUntilDone(townId, Date.now() + 31 * DAY_MS);
    expect(batches).toBeGreaterThanOrEqual(Math.ceil(1200 / RETENTION_BATCH_ROWS) + 1);
    for (const convoy of [big, cancelled]) expect(await beadRows(townId, convoy.id)).toEqual([]);
    expect(await beadRows(townId, active.id)).toHaveLength(2);

    const after = await api.convoy.get.query({ townId, convoyId: big.id });
    const { compactedAt, ...summary } = after;
    const { compactedAt: _before, ...landedSummary } = landed;
    expect(summary).toEqual(landedSummary); // counts, per-rig progress, status, landedAt exactly as before
    expect(compactedAt).toEqual(expect.any(String));
    await expectTrpcError(api.convoy.beads.query({ townId, convoyId: big.id }), 'PRECONDITION_FAILED', /compacted/);
    expect(await figures(townId, big.id)).toEqual(before.big);
    expect(await figures(townId, cancelled.id)).toEqual(before.cancelled);
    expect(await api.convoy.get.query({ townId, convoyId: cancelled.id })).toMatchObject({
      status: 'cancelled',
      closedBeads: 1,
      totalBeads: 5,
    });
    expect((await api.convoy.get.query({ townId, convoyId: active.id })).compactedAt).toBeNull();

    // As docs/retention.md says: a compacted convoy takes no beads; cancelling it answers as before compaction.
    await expectTrpcError(
      api.convoy.addBeads.mutate({ townId, convoyId: big.id, beads: beadsFor(rigs.north, 1) }),
      'CONFLICT',
      /compacted/,
    );
    await expectTrpcError(api.convoy.cancel.mutate({ townId, convoyId: big.id }), 'CONFLICT');
    expect(await api.convoy.cancel.mutate({ townId, convoyId: cancelled.id })).toMatchObject({ status: 'cancelled', closedBeads: 1 });
  });

  it('finishes a convoy whose size is a whole number of batches: its delivery records go, and it is logged once', {
    timeout: 30_000,
  }, async () => {
    const { townId, rigs } = await townWithRigs('north', 'south');
    const convoys = [];
    for (const title of ['first', 'second']) {
      const convoy = await api.convoy.create.mutate({
        townId,
        title,
        beads: [...beadsFor(rigs.north, RETENTION_BATCH_ROWS), ...beadsFor(rigs.south, RETENTION_BATCH_ROWS)],
      });
      await closeAll(townId, convoy);
      convoys.push(convoy);
    }
    const deliveryRows = () => withTownDb(townId, (db) => db.select().from(schema.convoyRigDeliveries).all());
    expect(await deliveryRows()).toHaveLength(4); // a watermark per (convoy, rig)
    const logged: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: unknown) => logged.push(String(line)));

    await maintainUntilDone(townId, Date.now() + 31 * DAY_MS);
    for (const convoy of convoys) expect(await beadRows(townId, convoy.id)).toEqual([]);
    expect(await deliveryRows()).toEqual([]);
    const compacted = logged
      .map((l) => JSON.parse(l) as { event: string; convoyId?: string })
      .filter((l) => l.event === 'convoy.compacted');
    expect(compacted.map((l) => l.convoyId).sort()).toEqual(convoys.map((c) => c.id).sort());
  });

  it('keeps the beads of a convoy while a delivery to a rig is still owed', async () => {
    const { townId, rigs } = await townWithRigs('north');
    const convoy = await api.convoy.create.mutate({ townId, title: 'c', beads: beadsFor(rigs.north, 2) });
    await api.convoy.cancel.mutate({ townId, convoyId: convoy.id });
    // A cancel notice the rig has not taken yet (as when the rig is down).
    await inTown(townId, Date.now(), (ctx) =>
      scheduleTask(ctx.db, {
        id: `convoy.cancel:${convoy.id}:${rigs.north}`,
        kind: 'convoy.deliverCancel',
        dueAt: Date.now() + DAY_MS * 100,
      }),
    );
    const later = Date.now() + 40 * DAY_MS;
    await maintainUntilDone(townId, later);
    expect(await beadRows(townId, convoy.id)).toHaveLength(2);
    expect((await api.convoy.get.query({ townId, convoyId: convoy.id })).compactedAt).toBeNull();

    await withTownDb(townId, (db) => db.delete(schema.schedule).where(eq(schema.schedule.kind, 'convoy.deliverCancel')).run());
    const run = await inTown(townId, later, (ctx) => runMaintenance(ctx, 0));
    expect(run).toMatchObject({ compactedConvoyId: convoy.id, beadsDeleted: 2 });
    expect(await beadRows(townId, convoy.id)).toEqual([]);
  });
});
