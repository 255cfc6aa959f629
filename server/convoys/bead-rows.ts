import { sql } from 'drizzle-orm';
import { jsonChunks } from '../core/bulk-json';
import type { TownDb } from '../core/town-db';
import type { PlannedBead } from './dependency-plan';

// Convoy bead rows written and matched in bulk (see bulk-json.ts).

export interface BeadRow {
  beadId: string;
  rigId: string;
  title: string;
  body: string | null;
  position: number;
  /** Its key, dependencies, wave (dependency-plan.ts); absent when the call has none. */
  planned?: PlannedBead;
}

/** Inserts the convoy's bead rows (status `open`), a chunk per statement. */
export function insertBeadRows(db: TownDb, convoyId: string, rows: readonly BeadRow[]): void {
  if (rows.some((r) => r.planned)) {
    insertPlannedRows(db, convoyId, rows);
    return;
  }
  const tuples = rows.map((r) => [r.beadId, r.rigId, r.title, r.body, r.position]);
  for (const chunk of jsonChunks(tuples)) {
    db.run(sql`insert into convoy_beads (convoy_id, bead_id, rig_id, title, body, position)
      select ${convoyId}, value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4 from json_each(${chunk})`);
  }
}

/** Which of `beadIds` the convoy already holds (looked up along its primary key). */
export function existingBeadIds(db: TownDb, convoyId: string, beadIds: readonly string[]): Set<string> {
  const found = new Set<string>();
  for (const chunk of jsonChunks(beadIds)) {
    const rows = db.all<{ bead_id: string }>(
      sql`select bead_id from convoy_beads where convoy_id = ${convoyId} and bead_id in (select value from json_each(${chunk}))`,
    );
    for (const row of rows) found.add(row.bead_id);
  }
  return found;
}

/** As insertBeadRows, with each bead's key, dependencies, count of unfinished ones and wave. */
function insertPlannedRows(db: TownDb, convoyId: string, rows: readonly BeadRow[]): void {
  const tuples = rows.map((r) => [
    r.beadId,
    r.rigId,
    r.title,
    r.body,
    r.position,
    r.planned?.key ?? null,
    r.planned?.dependsOn ?? null,
    r.planned?.waitingOn ?? 0,
    r.planned?.wave ?? 1,
  ]);
  for (const chunk of jsonChunks(tuples)) {
    db.run(sql`insert into convoy_beads (convoy_id, bead_id, rig_id, title, body, position, key, depends_on, waiting_on, wave)
      select ${convoyId}, value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, nullif(value -> 6, 'null'), value ->> 7, value ->> 8
      from json_each(${chunk})`);
  }
}
