import { and, asc, eq, gt, lt } from 'drizzle-orm';
import { convoyBeads, convoys } from '../../schema/town';
import type { TownContext } from '../core/context';
import { DomainError, notFound } from '../core/errors';
import { afterPositionCursor, DEFAULT_PAGE_SIZE, type Page, positionCursor } from '../core/pagination';
import { visibleTo } from '../core/rig-membership';
import { type ConvoyBead, toConvoyBead } from './views';

// `convoy.beads`: a convoy's beads in the order they were added, a keyset page at a time over the
// (convoy, position) index, so a page costs the same however large the convoy.
//
// The status and rig filters are not indexed (each index is one more row written per bead added and,
// with status, per close: the hot path). A filtered page reads at most CONVOY_BEADS_SCAN_MAX_ROWS rows
// along the position index: when matches are sparse it answers fewer than `limit` items (possibly none)
// with a `nextCursor` to go on from, as Google's AIP-158 allows. Only `nextCursor: null` means the end.

/** The most bead rows one filtered page examines. */
export const CONVOY_BEADS_SCAN_MAX_ROWS = 1_000;

export interface ConvoyBeadsInput {
  convoyId: string;
  status?: 'open' | 'closed';
  rigId?: string;
  limit?: number;
  cursor?: string;
}

type BeadRow = Pick<
  typeof convoyBeads.$inferSelect,
  | 'beadId'
  | 'rigId'
  | 'title'
  | 'status'
  | 'outcome'
  | 'attempt'
  | 'heldBy'
  | 'ref'
  | 'position'
  | 'key'
  | 'dependsOn'
  | 'waitingOn'
  | 'spent'
>;

/**
 * The convoy's per-rig progress (one row); NOT_FOUND for an unknown convoy, and PRECONDITION_FAILED for
 * one whose beads retention compacted (an empty page would read as a convoy without beads).
 */
function requireRigProgress({ db }: TownContext, convoyId: string, narrowTo: string | null) {
  const row = db
    .select({ rigProgress: convoys.rigProgress, compactedAt: convoys.compactedAt })
    .from(convoys)
    .where(eq(convoys.id, convoyId))
    .get();
  if (!row || !visibleTo(row, narrowTo)) throw notFound('convoy', convoyId);
  if (row.compactedAt) {
    throw new DomainError(
      'PRECONDITION_FAILED',
      `convoy ${convoyId} was compacted at ${row.compactedAt}: its beads are gone; convoy.get and convoy.timeline keep its figures`,
    );
  }
  return row.rigProgress;
}

function beadsAfter({ db }: TownContext, convoyId: string, afterPosition: number, rows: number): BeadRow[] {
  return db
    .select({
      beadId: convoyBeads.beadId,
      rigId: convoyBeads.rigId,
      title: convoyBeads.title,
      status: convoyBeads.status,
      outcome: convoyBeads.outcome,
      attempt: convoyBeads.attempt,
      heldBy: convoyBeads.heldBy,
      ref: convoyBeads.ref,
      position: convoyBeads.position,
      key: convoyBeads.key,
      dependsOn: convoyBeads.dependsOn,
      waitingOn: convoyBeads.waitingOn,
      spent: convoyBeads.spent,
    })
    .from(convoyBeads)
    .where(and(eq(convoyBeads.convoyId, convoyId), gt(convoyBeads.position, afterPosition)))
    .orderBy(asc(convoyBeads.position))
    .limit(rows)
    .all();
}

/** `narrowTo` (a rig token's rig): a convoy it takes no part in is NOT_FOUND; within one, every bead is listed. */
export function listConvoyBeads(ctx: TownContext, input: ConvoyBeadsInput, narrowTo: string | null = null): Page<ConvoyBead> {
  const rigProgress = requireRigProgress(ctx, input.convoyId, narrowTo);
  const limit = input.limit ?? DEFAULT_PAGE_SIZE;
  let after = afterPositionCursor(input.cursor);
  // A rig the convoy never had pages nothing, at once.
  if (input.rigId !== undefined && !rigProgress[input.rigId]) return { items: [], nextCursor: null };
  const filtered = input.status !== undefined || input.rigId !== undefined;
  const matches = (row: BeadRow) =>
    (input.status === undefined || row.status === input.status) && (input.rigId === undefined || row.rigId === input.rigId);
  const scanMax = filtered ? Math.max(limit + 1, CONVOY_BEADS_SCAN_MAX_ROWS) : limit + 1;
  const items: BeadRow[] = [];
  let scanned = 0;
  // Unfiltered, one read of limit + 1 rows; filtered, reads that double in size until the page is full or the budget spent.
  let chunk = limit + 1;
  for (;;) {
    const want = Math.min(chunk, scanMax - scanned);
    const rows = beadsAfter(ctx, input.convoyId, after, want);
    for (const row of rows) {
      if (matches(row)) {
        // One match beyond the page: there is more, and the page ends at its last item.
        if (items.length === limit) return { items: items.map(toConvoyBead), nextCursor: positionCursor(after) };
        items.push(row);
      }
      after = row.position;
      scanned += 1;
    }
    if (rows.length < want) return { items: items.map(toConvoyBead), nextCursor: null };
    if (scanned >= scanMax) return { items: items.map(toConvoyBead), nextCursor: positionCursor(after) };
    chunk *= 2;
  }
}

/** The ids of the convoy's first `count` beads, in order (what a repeated create answers). */
export function firstBeadIds({ db }: TownContext, convoyId: string, count: number): string[] {
  return db
    .select({ id: convoyBeads.beadId })
    .from(convoyBeads)
    .where(and(eq(convoyBeads.convoyId, convoyId), lt(convoyBeads.position, count)))
    .orderBy(asc(convoyBeads.position))
    .all()
    .map((r) => r.id);
}
