import { and, eq, inArray, lt } from 'drizzle-orm';
import { outbox } from '../../schema/town';
import { iso, type TownContext } from '../core/context';
import { DAY_MS } from '../core/time';
import { RETENTION_BATCH_ROWS } from './pace';

// Retention for the outbox: a notification delivered more than `outboxRetentionDays` ago has done its
// job; its row goes, a bounded batch per call. Pending and failed rows are never pruned here (a failed
// one is the operator's record of what did not arrive).

/** Deletes one batch of delivered rows older than the retention; returns how many went. */
export function pruneDeliveredOutbox(ctx: TownContext, retentionDays: number): { deleted: number; more: boolean } {
  const { db } = ctx;
  const cutoff = iso(new Date(ctx.now().getTime() - retentionDays * DAY_MS));
  return db.transaction(() => {
    // Along outbox_status_idx (status, created_at): created before the cutoff is implied by delivered before it.
    const due = db
      .select({ id: outbox.id })
      .from(outbox)
      .where(and(eq(outbox.status, 'delivered'), lt(outbox.createdAt, cutoff), lt(outbox.deliveredAt, cutoff)))
      .limit(RETENTION_BATCH_ROWS);
    const ids = db.delete(outbox).where(inArray(outbox.id, due)).returning({ id: outbox.id }).all();
    return { deleted: ids.length, more: ids.length === RETENTION_BATCH_ROWS };
  });
}
