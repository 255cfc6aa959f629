import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import type { JsonObject } from './json';

/**
 * The town's event log: one append-only row per state change, written in the same transaction as the
 * change. `seq` is the rowid: SQLite gives a new row max(seq) + 1, and pruning always keeps the newest
 * event, so an id is never handed out twice and ids never go back. (Not AUTOINCREMENT: that writes
 * `sqlite_sequence` on every insert, measured +1 row read and +1 written per event, which would take a
 * bead's close from 5 rows written to 6.) The wire id is `seq` zero-padded (server/events/shape.ts).
 *
 * Two partial indexes only (a convoy's story, an escalation's): each index entry is one more row
 * written per event, and a bead's close must stay cheap. Other filters (rig, types) scan forward from
 * the cursor within a bounded budget (see listEvents).
 */
export const events = sqliteTable(
  'events',
  {
    seq: integer('seq').primaryKey(),
    type: text('type').notNull(),
    at: text('at').notNull(),
    rigId: text('rig_id'),
    convoyId: text('convoy_id'),
    beadId: text('bead_id'),
    escalationId: text('escalation_id'),
    // Small: counts and states, never message bodies or secrets.
    data: text('data', { mode: 'json' }).$type<JsonObject>().notNull(),
  },
  (t) => [
    index('events_convoy_idx').on(t.convoyId, t.seq).where(sql`${t.convoyId} is not null`),
    index('events_escalation_idx').on(t.escalationId, t.seq).where(sql`${t.escalationId} is not null`),
  ],
);
