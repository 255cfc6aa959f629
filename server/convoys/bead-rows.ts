import { sql } from 'drizzle-orm';
import { jsonChunks } from '../core/bulk-json';
import type { TownDb } from '../core/town-db';

// Convoy bead rows written and matched in bulk (see bulk-json.ts).

export interface BeadRow {
  beadId: string;
  rigId: string;
  title: string;
  body: string | null;
  position: number;
}

/** Inserts the convoy's bead rows (status `open`), a chunk per statement. */
export function insertBeadRows(db: TownDb, convoyId: string, rows: readonly BeadRow[]): void {
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
