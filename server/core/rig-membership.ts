import { and, eq, type SQL, sql } from 'drizzle-orm';
import { convoys } from '../../schema/town';
import type { TownDb } from './town-db';

// Which convoys a rig takes part in: those holding beads of it. Read from the convoy row's per-rig
// progress ({rigId: [total, closed]}), which every add writes and compaction keeps, so one row answers
// and a compacted convoy stays its rigs'. A rig token reads only these convoys (convoy.get, beads,
// timeline, list items), names only these in escalation.raise, and its events follow the same rule.

/** The SQL condition "this convoy holds beads of `rigId`", for a query over `convoys`. */
export function takesPartIn(rigId: string): SQL {
  return sql`exists (select 1 from json_each(${convoys.rigProgress}) where json_each.key = ${rigId})`;
}

export function takesPart(db: TownDb, convoyId: string, rigId: string): boolean {
  return (
    db
      .select({ id: convoys.id })
      .from(convoys)
      .where(and(eq(convoys.id, convoyId), takesPartIn(rigId)))
      .get() !== undefined
  );
}

/** The ids of every convoy `rigId` takes part in. */
export function convoysOf(db: TownDb, rigId: string): Set<string> {
  return new Set(
    db
      .select({ id: convoys.id })
      .from(convoys)
      .where(takesPartIn(rigId))
      .all()
      .map((r) => r.id),
  );
}

/**
 * Whether a convoy row may be shown to the reader `narrowTo` (a rig token's rig; null: admin and town
 * tokens see every convoy). Read from the row already read: no extra read.
 */
export function visibleTo(row: { rigProgress: Record<string, unknown> }, narrowTo: string | null): boolean {
  return narrowTo === null || Object.hasOwn(row.rigProgress, narrowTo);
}
