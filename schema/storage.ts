import { sql } from 'drizzle-orm';
import { check, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * The storage watch: at most one row (`id = 1`). The database size seen by the last check, and the
 * ongoing "over budget" episode (from the first check above 80 % of the budget to the first below),
 * which escalates once.
 */
export const storageWatch = sqliteTable(
  'storage_watch',
  {
    id: integer('id').primaryKey(),
    lastCheckedAt: text('last_checked_at').notNull(),
    lastSizeBytes: integer('last_size_bytes').notNull(),
    overBudgetSince: text('over_budget_since'),
    escalationId: text('escalation_id'),
  },
  (t) => [check('storage_watch_singleton', sql`${t.id} = 1`)],
);
