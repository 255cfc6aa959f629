import { integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

// The town's rig registry (a TownDO table; each rig's beads live in its own RigDO, schema/rig.ts).

export const rigs = sqliteTable(
  'rigs',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    rigDoId: text('rig_do_id').notNull(),
    createdAt: text('created_at').notNull(),
    // The rig's breaker as its RigDO last reported it (rig.get / rig.list answer it without a call).
    breakerState: text('breaker_state').$type<'closed' | 'open' | 'half_open'>().notNull().default('closed'),
    breakerOpenedAt: text('breaker_opened_at'),
    breakerReopensAt: text('breaker_reopens_at'),
    // The last work-loop report of the rig applied: a batch re-sent after a lost answer is applied once.
    reportedThrough: integer('reported_through').notNull().default(0),
  },
  (t) => [uniqueIndex('rigs_name_unique').on(t.name)],
);
