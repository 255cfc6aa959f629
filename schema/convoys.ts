import { sql } from 'drizzle-orm';
import { check, index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

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
    // 0 (most urgent) to 4 (convoy.create, convoy.setPriority); its beads carry it to the rigs.
    priority: integer('priority').notNull().default(2),
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
    // The due date (ISO), and how far its escalation has gone (server/convoys/due-dates.ts): null, then
    // `at_risk`, then `off_track`; it only rises until a landing, a cancel or a later due date.
    dueAt: text('due_at'),
    dueAlert: text('due_alert', { enum: ['at_risk', 'off_track'] }),
    // Epoch ms when time alone may next change the forecast (an active convoy with a due date, not yet
    // off track; null otherwise): the heartbeat reads the convoys due along convoys_due_check_idx.
    dueCheckAt: integer('due_check_at'),
    // How many watchers the convoy has (convoy_watchers), so convoy.get and convoy.list read no more rows.
    watchers: integer('watchers').notNull().default(0),
    // ── dependencies (server/convoys/dependencies.ts) ──
    // Open beads still waiting on a dependency (readyBeads = open − blocked), and the longest chain's length.
    blockedBeads: integer('blocked_beads').notNull().default(0),
    waves: integer('waves').notNull().default(1),
    // Cost reported against its beads (the town's cost unit), its budget (null: none), and how far the
    // budget's alert has gone: null, `warned` (80 %), `exceeded` (100 %: paused with cause budget).
    spent: real('spent').notNull().default(0),
    budget: real('budget'),
    budgetAlert: text('budget_alert').$type<'warned' | 'exceeded'>(),
    // How many pause causes are active (rows of `pauses`), so convoy.get reads them only when there are some.
    pauseCauses: integer('pause_causes').notNull().default(0),
  },
  (t) => [
    check('convoys_status_check', sql`${t.status} in ('active', 'landed', 'failed', 'cancelled')`),
    index('convoys_created_idx').on(t.createdAt, t.id),
    index('convoys_status_created_idx').on(t.status, t.createdAt, t.id),
    uniqueIndex('convoys_idempotency_key_unique').on(t.idempotencyKey),
    // Compaction's candidates (not yet compacted, landed or cancelled, oldest first) without reading
    // the convoys already compacted. A close does not touch it (closed_beads is in no index).
    index('convoys_compaction_idx').on(t.compactedAt, t.status, t.createdAt),
    // The heartbeat's due-date checks: only convoys with a check pending are in it (active, dated, not yet
    // off track; landing and cancelling clear it), so a close that does not turn the forecast writes no entry.
    index('convoys_due_check_idx').on(t.dueCheckAt).where(sql`${t.dueCheckAt} is not null`),
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
    // Cost reported against this bead.
    spent: real('spent').notNull().default(0),
    // Order of addition within the convoy (0-based); a rig's delivery watermark is a position.
    position: integer('position').notNull().default(0),
    // ── dependencies (server/convoys/dependencies.ts) ──
    key: text('key'),
    // The bead ids it depends on (keys resolved), as given; null without dependencies.
    dependsOn: text('depends_on', { mode: 'json' }).$type<string[]>(),
    // How many of its dependencies are not yet done or skipped: blocked while > 0 (and open).
    waitingOn: integer('waiting_on').notNull().default(0),
    // 1 + the largest wave of its dependencies (1 without).
    wave: integer('wave').notNull().default(1),
    // Skipped because this dependency failed for good (convoy.retryFailed reopens it).
    skippedBy: text('skipped_by'),
    // How many times convoy.retryFailed reopened it; the rig counts the same and its close notice carries
    // it, so a late copy of a close from before a retry does not count against the reopened bead.
    generation: integer('generation').notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.convoyId, t.beadId] }),
    check('convoy_beads_status_check', sql`${t.status} in ('open', 'closed')`),
    // The only secondary index: every index is one more row written per bead (bench/convoy-create).
    // A rig's pending beads are read along it too: `rig_id` in the index filters them without
    // reading other rigs' rows. A close touches none of it.
    index('convoy_beads_position_rig_idx').on(t.convoyId, t.position, t.rigId),
    // Keys are unique in their convoy; only keyed beads are in it (a bead without a key writes no entry).
    uniqueIndex('convoy_beads_key_unique').on(t.convoyId, t.key).where(sql`${t.key} is not null`),
  ],
);

/**
 * Dependency edges, keyed by the dependency first: a close finds its dependents along the primary key,
 * in O(dependents) rows. The reverse direction (a bead's own dependencies) is `convoy_beads.depends_on`.
 */
export const convoyBeadDeps = sqliteTable(
  'convoy_bead_deps',
  {
    convoyId: text('convoy_id').notNull(),
    dependencyId: text('dependency_id').notNull(),
    dependentId: text('dependent_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.convoyId, t.dependencyId, t.dependentId] })],
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

/**
 * Watchers of a convoy: told of its landing, failure, cancel, pause and due-date risk through the outbox
 * (server/convoys/watchers.ts). A webhook watcher has its own signing secret (`whsec_…`), so it cannot
 * forge the town's webhooks; an email watcher has none. Exactly one of `webhook_url` and `email` is set.
 */
export const convoyWatchers = sqliteTable(
  'convoy_watchers',
  {
    id: text('id').primaryKey(),
    convoyId: text('convoy_id').notNull(),
    webhookUrl: text('webhook_url'),
    email: text('email'),
    signingSecret: text('signing_secret'),
    createdAt: text('created_at').notNull(),
  },
  // Exactly one target is the edge's rule (zod) and addWatchers'; no CHECK, so every column can be filled in tests.
  (t) => [index('convoy_watchers_convoy_idx').on(t.convoyId, t.createdAt, t.id)],
);

/** Cost reports with a `reportId`, so each counts once per (bead, reportId) (server/convoys/budgets.ts). */
export const costReports = sqliteTable(
  'cost_reports',
  {
    beadId: text('bead_id').notNull(),
    reportId: text('report_id').notNull(),
    at: text('at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.beadId, t.reportId] })],
);

/** The town's spend per UTC day (`YYYY-MM-DD`), and how far that day's budget alert has gone. */
export const spendDays = sqliteTable('spend_days', {
  day: text('day').primaryKey(),
  spent: real('spent').notNull().default(0),
  budgetAlert: text('budget_alert').$type<'warned' | 'exceeded'>(),
});
