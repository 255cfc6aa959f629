import { and, desc, eq } from 'drizzle-orm';
import { convoys } from '../../schema/town';
import type { TownContext } from '../core/context';
import { notFound } from '../core/errors';
import { DEFAULT_PAGE_SIZE, olderThanCursor, type Page, toPage } from '../core/pagination';
import { takesPartIn, visibleTo } from '../core/rig-membership';
import { pendingDeliveries } from './delivery';
import { activePauses, pausesOf } from './pauses';
import { type Convoy, type ConvoyStatus, toConvoy } from './views';

// Reading convoys: one row for `convoy.get`, a page of rows for `convoy.list`, each with its per-rig
// progress and pauses; a rig token reads only the convoys it takes part in.

/**
 * The summary and per-rig progress: one row, whatever the number of beads (those page through
 * `convoy.beads`), and how many rigs still wait for a delivery of its beads. `narrowTo` (a rig token's
 * rig): a convoy it takes no part in is NOT_FOUND for it.
 */
export function getConvoy(ctx: TownContext, convoyId: string, narrowTo: string | null = null): Convoy & { pendingDeliveries: number } {
  const row = ctx.db.select().from(convoys).where(eq(convoys.id, convoyId)).get();
  if (!row || !visibleTo(row, narrowTo)) throw notFound('convoy', convoyId);
  const convoy = toConvoy(row, ctx.now(), row.pauseCauses > 0 ? activePauses(ctx, convoyId) : []);
  return { ...convoy, pendingDeliveries: pendingDeliveries(ctx, convoyId) };
}

/** Newest first; the cursor is the last item's (createdAt, id), so pages stay stable as convoys are added. */
export function listConvoys(
  ctx: TownContext,
  input: { status?: ConvoyStatus; limit?: number; cursor?: string },
  narrowTo: string | null = null,
): Page<Convoy> {
  const limit = input.limit ?? DEFAULT_PAGE_SIZE;
  const rows = ctx.db
    .select()
    .from(convoys)
    .where(
      and(
        input.status ? eq(convoys.status, input.status) : undefined,
        olderThanCursor(convoys.createdAt, convoys.id, input.cursor),
        narrowTo === null ? undefined : takesPartIn(narrowTo),
      ),
    )
    .orderBy(desc(convoys.createdAt), desc(convoys.id))
    .limit(limit + 1)
    .all();
  // Each item carries its per-rig progress: it is on the row already read, so it costs no read.
  const now = ctx.now();
  // The page's pauses in one read (at most one row per cause of each convoy).
  const paused = pausesOf(
    ctx,
    rows.filter((r) => r.pauseCauses > 0).map((r) => r.id),
  );
  return toPage(
    rows,
    limit,
    (row) => ({ at: row.createdAt, id: row.id }),
    (row) => toConvoy(row, now, paused.get(row.id)),
  );
}
