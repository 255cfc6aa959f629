import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * Due work of a Durable Object: one row per task, one alarm set to the earliest `due_at`.
 * Shared by every DO database that needs time (each re-exports it from its own schema file).
 */
export const schedule = sqliteTable(
  'schedule',
  {
    // Stable task key, e.g. `heartbeat` or `outbox:<id>`: scheduling the same key twice keeps one row.
    id: text('id').primaryKey(),
    kind: text('kind').notNull(),
    payload: text('payload', { mode: 'json' }).$type<unknown>(),
    dueAt: integer('due_at').notNull(), // epoch ms
    attempts: integer('attempts').notNull().default(0),
    // Bumped on every (re)schedule, so a run only deletes the version it ran.
    version: integer('version').notNull().default(0),
    lastError: text('last_error'),
  },
  (t) => [index('schedule_due_idx').on(t.dueAt)],
);
