import { sql } from 'drizzle-orm';
import { MINUTE_MS } from '../core/time';
import { type Bead, beadSqlColumns } from './beads';
import { notPausedBead } from './pauses';
import type { RigContext } from './rig-context';

// The claim queue with priorities that age. Open unblocked beads sit in `beads_claimable_priority_idx`,
// a FIFO per priority level ordered by `claimable_since` (when the bead became claimable; for a bead
// waiting out a backoff, when the backoff ends), so each level's first entry is its longest-waiting
// bead, or, if that lies ahead, the level has nothing claimable yet. A claim reads the five heads (one
// index row each, none for an empty level) in one statement and takes the lowest effective priority,
// priority − ⌊waiting minutes / agingMinutes⌋, oldest first among equals: within a level the head has
// waited longest, so it is that level's best.

const PRIORITY_LEVELS = [0, 1, 2, 3, 4] as const;

/** A level's head: the whole bead (the claim then writes it without reading it again) and its place. */
export interface Candidate {
  bead: Bead;
  rowid: number;
  priority: number;
  claimableSince: string;
}

type HeadRow = Bead & { rowid: number; priority: number; claimableSince: string };

/** priority − ⌊waiting minutes / agingMinutes⌋ (below 0 after a long wait: it outranks any fresh bead). */
export function effectivePriority(priority: number, claimableSince: string, nowMs: number, agingMinutes: number): number {
  const waitedMs = Math.max(0, nowMs - Date.parse(claimableSince));
  return priority - Math.floor(waitedMs / (agingMinutes * MINUTE_MS));
}

const HEAD_COLUMNS = sql`rowid, priority, coalesce(claimable_since, created_at) as claimableSince, ${beadSqlColumns}`;

/**
 * Every level's head in one statement (one index entry each, none for an empty level): a statement
 * per level cost more CPU than the rows it could spare, since a head past a cutoff still reads its entry.
 */
const LEVEL_HEADS = sql.join(
  PRIORITY_LEVELS.map(
    (level) => sql`select * from (select ${HEAD_COLUMNS} from beads indexed by beads_claimable_priority_idx
      where status = 'open' and blocked = 0 and priority = ${sql.raw(String(level))} and ${notPausedBead}
      order by claimable_since, rowid limit 1)`,
  ),
  sql` union all `,
);

function levelHeads(ctx: RigContext): Candidate[] {
  return ctx.db
    .all<HeadRow>(LEVEL_HEADS)
    .map(({ rowid, priority, claimableSince, ...bead }) => ({ bead, rowid, priority, claimableSince }));
}

const before = (a: Candidate, b: Candidate) =>
  a.claimableSince < b.claimableSince || (a.claimableSince === b.claimableSince && a.rowid < b.rowid);

/**
 * The bead to claim next, or null and when the earliest backoff ends: the head with the lowest
 * effective priority, the longer waiting one among equals.
 */
export function nextClaimable(ctx: RigContext, agingMinutes: number): { candidate: Candidate | null; nextClaimAt: string | null } {
  const nowMs = ctx.now().getTime();
  let best: { candidate: Candidate; rank: number } | null = null;
  let nextClaimAt: string | null = null;
  for (const head of levelHeads(ctx)) {
    if (Date.parse(head.claimableSince) > nowMs) {
      // Every bead of this level is still in its backoff.
      if (nextClaimAt === null || head.claimableSince < nextClaimAt) nextClaimAt = head.claimableSince;
      continue;
    }
    const rank = effectivePriority(head.priority, head.claimableSince, nowMs, agingMinutes);
    if (!best || rank < best.rank || (rank === best.rank && before(head, best.candidate))) best = { candidate: head, rank };
  }
  return best ? { candidate: best.candidate, nextClaimAt: null } : { candidate: null, nextClaimAt };
}
