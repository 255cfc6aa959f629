import { sql } from 'drizzle-orm';
import { check, index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

// Tables of one RigDO's SQLite database (its own database, own migrations in drizzle/rig/).
// Timestamps are ISO-8601 text. The work-loop columns carry no CHECK: adding one would make the
// migration rebuild the table (every bead copied once); server/rigs/ writes only the listed values.

export type BeadOutcome = 'done' | 'failed' | 'skipped';
/** How the last attempt ended: an outcome, or the holder gave it back, or its lease ran out. */
export type AttemptResult = BeadOutcome | 'released' | 'lease_expired';

export const beads = sqliteTable(
  'beads',
  {
    // Assigned by the TownDO, so a retried delivery of the same bead finds the row it created before.
    id: text('id').primaryKey(),
    title: text('title').notNull(),
    body: text('body'),
    status: text('status', { enum: ['open', 'in_progress', 'closed'] })
      .notNull()
      .default('open'),
    convoyId: text('convoy_id'),
    // Who closed a closed bead: its work (`done`, whatever the outcome) or its convoy's cancel.
    closeReason: text('close_reason', { enum: ['done', 'cancelled'] }),
    createdAt: text('created_at').notNull(),
    closedAt: text('closed_at'),
    // ── the work loop (server/rigs/claims.ts) ──
    // How the work ended (null while open, and for a cancelled bead).
    outcome: text('outcome').$type<BeadOutcome>(),
    // The attempt being made or last made: 1 for the first claim; 0 before any.
    attempt: integer('attempt').notNull().default(0),
    // The convoy's policy, delivered with the bead.
    maxAttempts: integer('max_attempts').notNull().default(3),
    requireRef: integer('require_ref', { mode: 'boolean' }).notNull().default(false),
    heldBy: text('held_by'),
    leaseExpiresAt: text('lease_expires_at'),
    // Open but waiting out a failed attempt's backoff until then (claimable_since is the same time).
    retryAt: text('retry_at'),
    reason: text('reason'),
    ref: text('ref'),
    // The last attempt's agent and result, so a repeated close or release is recognised.
    lastAgentId: text('last_agent_id'),
    lastResult: text('last_result').$type<AttemptResult>(),
    // Waiting on a dependency in its convoy (possibly in another rig): stored, not claimable, until the
    // town says its last dependency closed done or skipped (server/rigs/dependencies.ts).
    blocked: integer('blocked', { mode: 'boolean' }).notNull().default(false),
    // ── priority with aging (server/rigs/claims.ts) ──
    // The convoy's priority, 0 (most urgent) to 4, delivered with the bead and changed by convoy.setPriority.
    priority: integer('priority').notNull().default(2),
    // When the bead last became claimable (arrival unblocked, release, backoff end, unblock by a
    // dependency): its waiting time, which ages its priority, counts from here. During a backoff it is
    // the backoff's end, still ahead.
    claimableSince: text('claimable_since'),
    // How many times convoy.retryFailed reopened it (the town counts the same): its close notice carries
    // it, so the town ignores a late copy of a close from before the retry (server/convoys/settle.ts).
    generation: integer('generation').notNull().default(0),
  },
  (t) => [
    check('beads_status_check', sql`${t.status} in ('open', 'in_progress', 'closed')`),
    check('beads_close_reason_check', sql`${t.closeReason} is null or ${t.closeReason} in ('done', 'cancelled')`),
    // listBeads by status, in rowid order (the index's entries end in the rowid). Narrow on purpose: every
    // byte of an index entry is written per bead, and a rig of 100,000 beads keeps inserting at the
    // same cost (bench/big-convoy); the old (status, created_at, id) was read by nothing.
    index('beads_status_idx').on(t.status),
    index('beads_convoy_idx').on(t.convoyId, t.status),
    // The claim queue: open unblocked beads, a FIFO per priority level by when each is (or, after a
    // failed attempt, will be) claimable, so each level's longest-waiting bead is its first entry and a
    // claim compares the five heads (server/rigs/claim-queue.ts).
    index('beads_claimable_priority_idx').on(t.priority, t.claimableSince).where(sql`${t.status} = 'open' and ${t.blocked} = 0`),
    // An agent holds at most one bead of a rig: its claim is idempotent.
    uniqueIndex('beads_held_by_unique').on(t.heldBy).where(sql`${t.heldBy} is not null`),
  ],
);

// One row: whom this rig serves, learnt from the DO's name (core/identity.ts) and kept because an
// alarm may wake it without one, and the rig's breaker (server/rigs/breaker.ts).
export const rig = sqliteTable('rig', {
  townId: text('town_id').primaryKey(),
  // Null in rows written before the rig remembered its own id (filled in on the next named wake).
  rigId: text('rig_id'),
  createdAt: text('created_at').notNull(),
  breakerState: text('breaker_state').$type<'closed' | 'open' | 'half_open'>().notNull().default('closed'),
  breakerOpenedAt: text('breaker_opened_at'),
  breakerReopensAt: text('breaker_reopens_at'),
  // The current cooldown: doubled by each failed half-open probe, back to the setting when it closes.
  breakerCooldownMs: integer('breaker_cooldown_ms'),
  // The probe bead let through while half-open.
  breakerProbeBeadId: text('breaker_probe_bead_id'),
  // Times (epoch ms) of the failed attempts still inside the window, newest last.
  breakerFailures: text('breaker_failures', { mode: 'json' }).$type<number[]>().notNull().default([]),
  // The town's breaker settings as last passed by a call, for the alarm (lease expiry) to use.
  loopSettings: text('loop_settings', { mode: 'json' }).$type<Record<string, number>>(),
});

// Convoys the town cancelled: beads of theirs that arrive late are stored already closed.
export const cancelledConvoys = sqliteTable('cancelled_convoys', {
  convoyId: text('convoy_id').primaryKey(),
  cancelledAt: text('cancelled_at').notNull(),
});

// What the town must hear of the work loop (claims, renewals, releases, failed attempts, breaker
// changes): appended in the transaction of the change, sent in batches by one task, deleted once the
// town has them. Closes keep their own per-bead task (town-notify.ts).
export const townReports = sqliteTable('town_reports', {
  seq: integer('seq').primaryKey({ autoIncrement: true }),
  type: text('type').notNull(),
  beadId: text('bead_id'),
  convoyId: text('convoy_id'),
  at: text('at').notNull(),
  data: text('data', { mode: 'json' }).$type<Record<string, unknown>>().notNull().default({}),
});

export { schedule } from './schedule';

// What the town told this rig of pauses (`town` or a convoy id): a claim skips a paused convoy's beads
// and answers `town_paused` while the town is; `version` keeps a late, older message from undoing a newer one.
export const rigPauses = sqliteTable(
  'pauses',
  {
    scope: text('scope').primaryKey(),
    paused: integer('paused', { mode: 'boolean' }).notNull(),
    version: integer('version').notNull(),
  },
  // The scopes paused now: a claim looks a scope up here, so a resumed scope's row (kept for its version)
  // costs it no row read (server/rigs/pauses.ts).
  (t) => [index('pauses_active_idx').on(t.scope).where(sql`${t.paused} = 1`)],
);
