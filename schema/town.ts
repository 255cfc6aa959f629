import { sql } from 'drizzle-orm';
import { check, integer, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';

// Tables of one TownDO's SQLite database, one file per concept. Timestamps are ISO-8601 text.

// One row: the town this DO serves, learnt from the DO's name and kept, because an alarm may wake it
// without one (core/identity.ts).
export const town = sqliteTable('town', {
  id: text('id').primaryKey(),
  createdAt: text('created_at').notNull(),
});

/**
 * A town's own settings (retention, storage budget): at most one row (`id = 1`). A null column means
 * "the built-in default", so a town that never called `town.setSettings` follows the defaults.
 */
export const townSettings = sqliteTable(
  'town_settings',
  {
    id: integer('id').primaryKey(),
    eventRetentionDays: integer('event_retention_days'),
    convoyRetentionDays: integer('convoy_retention_days'),
    outboxRetentionDays: integer('outbox_retention_days'),
    storageBudgetBytes: integer('storage_budget_bytes'),
    breakerFailures: integer('breaker_failures'),
    breakerWindowMinutes: integer('breaker_window_minutes'),
    breakerCooldownMinutes: integer('breaker_cooldown_minutes'),
    strandedAfterMinutes: integer('stranded_after_minutes'),
    // The town's budget per UTC day (its cost unit), null: none.
    dailyBudget: real('daily_budget'),
    agingMinutes: integer('aging_minutes'),
    // The label of the town's cost figures (e.g. "usd", "credits"), null: "usd".
    costUnit: text('cost_unit'),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [check('town_settings_singleton', sql`${t.id} = 1`)],
);

export * from './auth';
export * from './convoys';
export * from './escalations';
export * from './events';
export * from './notify';
export * from './pauses';
export * from './rigs';
export { schedule } from './schedule';
export * from './storage';
export * from './watchdog';
