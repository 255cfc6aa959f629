import { sql } from 'drizzle-orm';
import { check, index, sqliteTable, text } from 'drizzle-orm/sqlite-core';

// Tables of one RigDO's SQLite database (its own database, own migrations in drizzle/rig/).
// Timestamps are ISO-8601 text.

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
    // Why a closed bead closed: its work was done, or its convoy was cancelled.
    closeReason: text('close_reason', { enum: ['done', 'cancelled'] }),
    createdAt: text('created_at').notNull(),
    closedAt: text('closed_at'),
  },
  (t) => [
    check('beads_status_check', sql`${t.status} in ('open', 'in_progress', 'closed')`),
    check('beads_close_reason_check', sql`${t.closeReason} is null or ${t.closeReason} in ('done', 'cancelled')`),
    index('beads_status_created_idx').on(t.status, t.createdAt, t.id),
    index('beads_convoy_idx').on(t.convoyId, t.status),
  ],
);

// One row: the town this rig belongs to, stored by the first delivery so alarms know whom to tell.
export const rig = sqliteTable('rig', {
  townId: text('town_id').primaryKey(),
  createdAt: text('created_at').notNull(),
});

// Convoys the town cancelled: beads of theirs that arrive late are stored already closed.
export const cancelledConvoys = sqliteTable('cancelled_convoys', {
  convoyId: text('convoy_id').primaryKey(),
  cancelledAt: text('cancelled_at').notNull(),
});

export { schedule } from './schedule';
