import { sql } from 'drizzle-orm';
import { check, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

// Convoys and their beads, as the TownDO tracks them.

/** [total, closed, failed?, skipped?] of one rig in a convoy; done = closed − failed − skipped. */
export type RigProgressEntry = [number, number] | [number, number, number, number];

export const convoys = sqliteTable(
  'convoys',
  {
    id: text('id').primaryKey(),
    title: text('title').notNull(),
    status: text('status', { enum: ['active', 'landed', 'failed', 'cancelled'] })
      .notNull()
      .default('active'),
    totalBeads: integer('total_beads').notNull().default(0),
    closedBeads: integer('closed_beads').notNull().default(0),
    // closedBeads = doneBeads + failedBeads + skippedBeads (a cancelled bead is not closed for the town).
    doneBeads: integer('done_beads').notNull().default(0),
    failedBeads: integer('failed_beads').notNull().default(0),
    skippedBeads: integer('skipped_beads').notNull().default(0),
    // The retry policy its beads carry to the rigs (convoy.create).
    maxAttempts: integer('max_attempts').notNull().default(3),
    requireRef: integer('require_ref', { mode: 'boolean' }).notNull().default(false),
    failedAt: text('failed_at'),
    // The last claim, renewal, attempt or close of any of its beads (stranded detection).
    lastProgressAt: text('last_progress_at'),
    createdBy: text('created_by'),
    createdAt: text('created_at').notNull(),
    landedAt: text('landed_at'),
    cancelledAt: text('cancelled_at'),
    // Set when retention compacts the convoy: its bead rows are gone (rig_progress keeps per-rig figures).
    compactedAt: text('compacted_at'),
    // The caller's key for a create: retrying a create with it returns the first convoy.
    idempotencyKey: text('idempotency_key'),
    // Per-rig progress, {rigId: [totalBeads, closedBeads, failedBeads, skippedBeads]} (the last two
    // absent on rows from before outcomes: 0), and the close-time sketch, {bucket: count}
    // (server/convoys/rig-progress.ts, close-sketch.ts): kept on this row, which every add and close
    // already writes, so convoy.get reads one row (not one per bead) and a close writes no extra row.
    rigProgress: text('rig_progress', { mode: 'json' }).$type<Record<string, RigProgressEntry>>().notNull().default({}),
    closeMsSketch: text('close_ms_sketch', { mode: 'json' }).$type<Record<string, number>>().notNull().default({}),
  },
  (t) => [
    check('convoys_status_check', sql`${t.status} in ('active', 'landed', 'failed', 'cancelled')`),
    index('convoys_created_idx').on(t.createdAt, t.id),
    index('convoys_status_created_idx').on(t.status, t.createdAt, t.id),
    uniqueIndex('convoys_idempotency_key_unique').on(t.idempotencyKey),
    // Compaction's candidates (not yet compacted, landed or cancelled, oldest first) without reading
    // the convoys already compacted. A close does not touch it (closed_beads is in no index).
    index('convoys_compaction_idx').on(t.compactedAt, t.status, t.createdAt),
  ],
);

export const convoyBeads = sqliteTable(
  'convoy_beads',
  {
    convoyId: text('convoy_id').notNull(),
    beadId: text('bead_id').notNull(),
    rigId: text('rig_id').notNull(),
    status: text('status', { enum: ['open', 'closed'] })
      .notNull()
      .default('open'),
    // How a closed bead ended (null while open; a close from before outcomes existed is `done`).
    outcome: text('outcome').$type<'done' | 'failed' | 'skipped'>(),
    // As the rig last reported them (claims in batches, closes at once): the dashboard's bead table.
    attempt: integer('attempt').notNull().default(0),
    heldBy: text('held_by'),
    ref: text('ref'),
    // Kept by the town: a rig that is down gets them from a later delivery attempt, and convoy.get shows titles.
    title: text('title').notNull().default(''),
    body: text('body'),
    // Order of addition within the convoy (0-based); a rig's delivery watermark is a position.
    position: integer('position').notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.convoyId, t.beadId] }),
    check('convoy_beads_status_check', sql`${t.status} in ('open', 'closed')`),
    // The only secondary index: every index is one more row written per bead (bench/convoy-create).
    // A rig's pending beads are read along it too: `rig_id` in the index filters them without
    // reading other rigs' rows. A close touches none of it.
    index('convoy_beads_position_rig_idx').on(t.convoyId, t.position, t.rigId),
  ],
);

/**
 * How far each rig has received a convoy's beads: every bead of the rig at a position up to
 * `delivered_through` is there. One row per (convoy, rig), so a delivery marks 1 row, not 1 per bead;
 * a missing row means nothing yet (re-sending is harmless: rigs store beads by the town's id).
 */
export const convoyRigDeliveries = sqliteTable(
  'convoy_rig_deliveries',
  {
    convoyId: text('convoy_id').notNull(),
    rigId: text('rig_id').notNull(),
    deliveredThrough: integer('delivered_through').notNull(),
  },
  (t) => [primaryKey({ columns: [t.convoyId, t.rigId] })],
);
