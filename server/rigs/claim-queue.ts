import { sql } from 'drizzle-orm';
import { MINUTE_MS } from '../core/time';
import type { RigContext } from './rig-context';

// The claim queue with priorities that age. Claimable beads sit in `beads_claimable_priority_idx`, a
// FIFO per priority level ordered by `claimable_since`, so each level's longest-waiting bead is its
// first entry. A claim reads the five heads (one index row each) and takes the lowest effective
// priority, priority − ⌊waiting minutes / agingMinutes⌋, oldest first among equals: within a level the
// head ages most, so it is that level's best. A bead whose backoff has ended joins the queue at the
// next claim (the backoff index's head, one per claim), waiting counted from its backoff's end.

export const PRIORITY_MOST_URGENT = 0;
export const PRIORITY_LEAST_URGENT = 4;
export const PRIORITY_DEFAULT = 2;
export const AGING_MINUTES_DEFAULT = 60;
const PRIORITY_LEVELS = [0, 1, 2, 3, 4] as const;

export interface Candidate {
  id: string;
  rowid: number;
  priority: number;
  claimableSince: string;
}

/** priority − ⌊waiting minutes / agingMinutes⌋ (may go below 0: a long wait outranks any fresh bead). */
export function effectivePriority(priority: number, claimableSince: string, nowMs: number, agingMinutes: number): number {
  const waitedMs = Math.max(0, nowMs - Date.parse(claimableSince));
  return priority - Math.floor(waitedMs / (agingMinutes * MINUTE_MS));
}

function levelHead(ctx: RigContext, priority: number): Candidate | undefined {
  return ctx.db.get<Candidate | undefined>(sql`select id, rowid, priority, coalesce(claimable_since, created_at) as claimableSince
    from beads indexed by beads_claimable_priority_idx
    where status = 'open' and retry_at is null and blocked = 0 and priority = ${priority}
    order by claimable_since, rowid limit 1`);
}

/**
 * The bead to claim next, or null and when the earliest backoff ends. At most 8 rows read: the backoff
 * head, its move into the queue, and the five level heads.
 */
export function nextClaimable(ctx: RigContext, agingMinutes: number): { candidate: Candidate | null; nextClaimAt: string | null } {
  const nowMs = ctx.now().getTime();
  const waiting = ctx.db.get<{ rowid: number; retryAt: string } | undefined>(sql`select rowid, retry_at as retryAt
    from beads indexed by beads_retry_idx where status = 'open' and retry_at is not null order by retry_at limit 1`);
  const due = waiting && Date.parse(waiting.retryAt) <= nowMs;
  if (waiting && due) ctx.db.run(sql`update beads set claimable_since = retry_at, retry_at = null where rowid = ${waiting.rowid}`);
  let best: { candidate: Candidate; rank: number } | null = null;
  for (const level of PRIORITY_LEVELS) {
    const head = levelHead(ctx, level);
    if (!head) continue;
    const rank = effectivePriority(head.priority, head.claimableSince, nowMs, agingMinutes);
    if (!best || rank < best.rank || (rank === best.rank && before(head, best.candidate))) best = { candidate: head, rank };
  }
  if (best) return { candidate: best.candidate, nextClaimAt: null };
  return { candidate: null, nextClaimAt: waiting && !due ? waiting.retryAt : null };
}

const before = (a: Candidate, b: Candidate) =>
  a.claimableSince < b.claimableSince || (a.claimableSince === b.claimableSince && a.rowid < b.rowid);
