import { describe, expect, it } from 'vitest';
import * as schema from '../../schema/town';
import { beadClosed } from '../../server/convoys/convoys';
import { runMaintenance } from '../../server/retention/maintenance';
import { MAINTENANCE_INTERVAL_MS } from '../../server/retention/maintenance-schedule';
import { RETENTION_BATCH_ROWS } from '../../server/retention/pace';
import { lastStorageCheckAt } from '../../server/retention/storage-budget';
import { api, beadsFor, townWithRigs } from '../convoys/convoy-helpers';
import { withTownDb } from '../helpers';
import { DAY_MS, inTown } from './storage-helpers';

describe('storage maintenance runs', () => {
  it('prune one kind per run (delivered outbox rows, then convoys) and write the storage watch only between prunes', async () => {
    const { townId, rigs } = await townWithRigs('north');
    const convoy = await api.convoy.create.mutate({ townId, title: 'old', beads: beadsFor(rigs.north, 2) });
    await inTown(townId, Date.now(), (ctx) => {
      for (const beadId of convoy.beadIds) beadClosed(ctx, { convoyId: convoy.id, beadId });
    });
    const old = new Date(Date.now() - DAY_MS).toISOString();
    await withTownDb(townId, (db) => {
      for (let i = 0; i < 2 * RETENTION_BATCH_ROWS + 1; i++)
        db.insert(schema.outbox)
          .values({
            id: `old-${i}`,
            eventId: `old-${i}`,
            type: 'test',
            channel: 'mayor',
            payload: {},
            status: 'delivered',
            createdAt: old,
            deliveredAt: old,
          })
          .run();
    });
    const start = Date.now() + 40 * DAY_MS;
    const run = (at: number) => inTown(townId, at, (ctx) => ({ ...runMaintenance(ctx, 0), checkedAt: lastStorageCheckAt(ctx) }));
    const iso = (at: number) => new Date(at).toISOString();

    // The first run checks the storage (never checked before); a batch of outbox rows, no convoy.
    expect(await run(start)).toMatchObject({ outboxDeleted: RETENTION_BATCH_ROWS, beadsDeleted: 0, more: true, checkedAt: iso(start) });
    // Between batches of the prune the watch is not written…
    expect(await run(start + 1_000)).toMatchObject({ outboxDeleted: RETENTION_BATCH_ROWS, beadsDeleted: 0, checkedAt: iso(start) });
    // …unless an interval has passed since its last check.
    const later = start + MAINTENANCE_INTERVAL_MS;
    const third = await run(later);
    expect(third).toMatchObject({ beadsDeleted: 0, more: true, checkedAt: iso(later) });
    expect(third.outboxDeleted).toBeGreaterThan(0);
    // The outbox done, the convoys' turn; then nothing is left and the prune's end is checked.
    expect(await run(later + 1_000)).toMatchObject({
      outboxDeleted: 0,
      compactedConvoyId: convoy.id,
      beadsDeleted: 2,
      checkedAt: iso(later),
    });
    expect(await run(later + 2_000)).toMatchObject({ outboxDeleted: 0, beadsDeleted: 0, more: false, checkedAt: iso(later + 2_000) });
  });
});
