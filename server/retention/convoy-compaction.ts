import { and, asc, desc, eq, gte, inArray, isNotNull, isNull, lt, lte, or, sql } from 'drizzle-orm';
import { convoyBeads, convoyRigDeliveries, convoys, schedule } from '../../schema/town';
import { iso, type TownContext } from '../core/context';
import { logEvent } from '../core/log';
import { DAY_MS } from '../core/time';
import { RETENTION_BATCH_ROWS } from './pace';

// Retention for convoys: a landed or cancelled convoy older than the town's `convoyRetentionDays` is
// compacted. Its bead rows (titles, bodies) go, a bounded batch per call; the convoy row stays, and with
// it the summary, per-rig progress (`rig_progress`), the close-time sketch and the landing. A
// compacted convoy can no longer take beads (`addBeads` → CONFLICT); cancelling it behaves as for any
// landed (CONFLICT) or cancelled (unchanged) convoy.

/** Candidates looked at per batch (skipping those with deliveries still owed to a rig). */
const CANDIDATES_PER_BATCH = 20;

export interface CompactionBatch {
  /** The convoy worked on, or null when nothing is due. */
  convoyId: string | null;
  beadsDeleted: number;
  /** True when more compaction is due (this convoy is not finished, or others wait). */
  more: boolean;
}

/** When a settled convoy becomes due for compaction: its landing or cancel (its creation for older rows). */
const settledAt = sql<string>`coalesce(${convoys.landedAt}, ${convoys.cancelledAt}, ${convoys.createdAt})`;

/** Deliveries (beads or a cancel) still owed to a rig: the convoy keeps its beads until they are done. */
function hasPendingDeliveries({ db }: TownContext, convoyId: string): boolean {
  // Task ids are `convoy.deliver:<convoyId>:<rigId>` and `convoy.cancel:<convoyId>:<rigId>`: two key ranges.
  const range = (prefix: string) => and(gte(schedule.id, `${prefix}:${convoyId}:`), lt(schedule.id, `${prefix}:${convoyId};`));
  const owed = db
    .select({ id: schedule.id })
    .from(schedule)
    .where(or(range('convoy.deliver'), range('convoy.cancel')))
    .limit(1)
    .get();
  return owed !== undefined;
}

/** The convoy to compact next: one already started (at most one is), else the oldest due; or null. */
function nextCandidate(ctx: TownContext, cutoff: string): { id: string; compactedAt: string | null } | null {
  const { db } = ctx;
  // Convoys are compacted one after the other, so only the latest started can have beads left.
  const latest = db
    .select({ id: convoys.id, compactedAt: convoys.compactedAt })
    .from(convoys)
    .where(isNotNull(convoys.compactedAt))
    .orderBy(desc(convoys.compactedAt))
    .limit(1)
    .get();
  if (latest && db.select({ id: convoyBeads.beadId }).from(convoyBeads).where(eq(convoyBeads.convoyId, latest.id)).limit(1).get()) {
    return latest;
  }
  const candidates = db
    .select({ id: convoys.id, compactedAt: convoys.compactedAt })
    .from(convoys)
    .where(
      and(
        isNull(convoys.compactedAt),
        inArray(convoys.status, ['landed', 'failed', 'cancelled']),
        lt(convoys.createdAt, cutoff),
        lt(settledAt, cutoff),
      ),
    )
    .orderBy(asc(convoys.createdAt))
    .limit(CANDIDATES_PER_BATCH)
    .all();
  return candidates.find((c) => !hasPendingDeliveries(ctx, c.id)) ?? null;
}

/** One bounded batch of compaction, in one transaction. */
export function compactConvoysBatch(ctx: TownContext, retentionDays: number): CompactionBatch {
  const { db } = ctx;
  const cutoff = iso(new Date(ctx.now().getTime() - retentionDays * DAY_MS));
  return db.transaction(() => {
    const convoy = nextCandidate(ctx, cutoff);
    if (!convoy) return { convoyId: null, beadsDeleted: 0, more: false };
    // Marked first: from now on it takes no beads (addBeads → CONFLICT) and reads say it is compacted.
    if (!convoy.compactedAt)
      db.update(convoys)
        .set({ compactedAt: iso(ctx.now()) })
        .where(eq(convoys.id, convoy.id))
        .run();
    // One position past the batch says whether beads remain: a convoy whose size is a multiple of the
    // batch must finish with its last batch, since the next one moves on to another convoy.
    const positions = db
      .select({ position: convoyBeads.position })
      .from(convoyBeads)
      .where(eq(convoyBeads.convoyId, convoy.id))
      .orderBy(asc(convoyBeads.position))
      .limit(RETENTION_BATCH_ROWS + 1)
      .all();
    const batch = positions.slice(0, RETENTION_BATCH_ROWS);
    const first = batch[0];
    const last = batch.at(-1);
    if (first && last) {
      db.delete(convoyBeads)
        .where(
          and(eq(convoyBeads.convoyId, convoy.id), gte(convoyBeads.position, first.position), lte(convoyBeads.position, last.position)),
        )
        .run();
    }
    const finished = positions.length <= RETENTION_BATCH_ROWS;
    if (finished) {
      // No delivery is owed and none can be again (a compacted convoy takes no beads).
      db.delete(convoyRigDeliveries).where(eq(convoyRigDeliveries.convoyId, convoy.id)).run();
      logEvent('info', 'convoy.compacted', { townId: ctx.townId, convoyId: convoy.id });
    }
    return { convoyId: convoy.id, beadsDeleted: batch.length, more: true };
  });
}
