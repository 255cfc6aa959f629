import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

// Pauses of the town and of its convoys (server/convoys/pauses.ts). A scope is `town` or a convoy id; a
// scope may be paused for several causes at once (`manual`, `budget`), each lifted only by its own
// resume, so each active cause is a row. A scope with no row is running.
export const pauses = sqliteTable(
  'pauses',
  {
    scope: text('scope').notNull(),
    cause: text('cause').$type<'manual' | 'budget'>().notNull(),
    reason: text('reason').notNull(),
    pausedBy: text('paused_by').notNull(),
    pausedAt: text('paused_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.scope, t.cause] })],
);

// Bumped by each pause or resume of a scope: the rigs keep the highest version they were told, so a
// late retry of an older state never undoes a newer one.
export const pauseVersions = sqliteTable('pause_versions', {
  scope: text('scope').primaryKey(),
  version: integer('version').notNull(),
});
