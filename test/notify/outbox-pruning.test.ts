import { describe, expect, it } from 'vitest';
import * as schema from '../../schema/town';
import { pruneDeliveredOutbox } from '../../server/retention/outbox-pruning';
import { RETENTION_BATCH_ROWS } from '../../server/retention/pace';
import { newTownId, withTownDb } from '../helpers';
import { DAY_MS, inTown } from '../town/storage-helpers';

const iso = (ms: number) => new Date(ms).toISOString();

describe('outbox retention', () => {
  it('deletes delivered rows past retention in bounded batches, and never a pending or failed one', async () => {
    const townId = newTownId('prune');
    const now = Date.now();
    const old = now - 40 * DAY_MS;
    const row = (id: string, status: 'pending' | 'delivered' | 'failed', at: number) => ({
      id,
      eventId: id,
      type: 'test',
      channel: 'mayor' as const,
      payload: {},
      status,
      createdAt: iso(at),
      deliveredAt: status === 'delivered' ? iso(at + 1_000) : null,
    });
    const oldDelivered = RETENTION_BATCH_ROWS + 20;
    await withTownDb(townId, (db) => {
      for (let i = 0; i < oldDelivered; i++)
        db.insert(schema.outbox)
          .values(row(`old-${i}`, 'delivered', old))
          .run();
      db.insert(schema.outbox)
        .values(row('recent', 'delivered', now - DAY_MS))
        .run();
      db.insert(schema.outbox)
        .values(row('pending', 'pending', old))
        .run();
      db.insert(schema.outbox)
        .values(row('failed', 'failed', old))
        .run();
    });

    const first = await inTown(townId, now, (ctx) => pruneDeliveredOutbox(ctx, 30));
    expect(first).toEqual({ deleted: RETENTION_BATCH_ROWS, more: true });
    const second = await inTown(townId, now, (ctx) => pruneDeliveredOutbox(ctx, 30));
    expect(second).toEqual({ deleted: 20, more: false });
    const kept = await withTownDb(townId, (db) => db.select({ id: schema.outbox.id }).from(schema.outbox).all());
    expect(kept.map((r) => r.id).sort()).toEqual(['failed', 'pending', 'recent']);
    // A shorter retention reaches the recent one too.
    expect(await inTown(townId, now, (ctx) => pruneDeliveredOutbox(ctx, 1))).toEqual({ deleted: 0, more: false });
    expect(await inTown(townId, now + DAY_MS, (ctx) => pruneDeliveredOutbox(ctx, 1))).toEqual({ deleted: 1, more: false });
  });
});
