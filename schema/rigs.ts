import { sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

// The town's rig registry (a TownDO table; each rig's beads live in its own RigDO, schema/rig.ts).

export const rigs = sqliteTable(
  'rigs',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    rigDoId: text('rig_do_id').notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [uniqueIndex('rigs_name_unique').on(t.name)],
);
