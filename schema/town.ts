import { sql } from 'drizzle-orm';
import { check, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

// Tables of one TownDO's SQLite database. Timestamps are ISO-8601 text.

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

export const convoys = sqliteTable(
  'convoys',
  {
    id: text('id').primaryKey(),
    title: text('title').notNull(),
    status: text('status', { enum: ['active', 'landed', 'cancelled'] })
      .notNull()
      .default('active'),
    totalBeads: integer('total_beads').notNull().default(0),
    closedBeads: integer('closed_beads').notNull().default(0),
    createdBy: text('created_by'),
    createdAt: text('created_at').notNull(),
    landedAt: text('landed_at'),
  },
  (t) => [
    check('convoys_status_check', sql`${t.status} in ('active', 'landed', 'cancelled')`),
    index('convoys_created_idx').on(t.createdAt, t.id),
    index('convoys_status_created_idx').on(t.status, t.createdAt, t.id),
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
  },
  (t) => [primaryKey({ columns: [t.convoyId, t.beadId] }), check('convoy_beads_status_check', sql`${t.status} in ('open', 'closed')`)],
);

export const escalations = sqliteTable(
  'escalations',
  {
    id: text('id').primaryKey(),
    sourceRigId: text('source_rig_id').notNull(),
    sourceAgentId: text('source_agent_id'),
    severity: text('severity', { enum: ['low', 'medium', 'high', 'critical'] }).notNull(),
    category: text('category'),
    message: text('message').notNull(),
    acknowledged: integer('acknowledged', { mode: 'boolean' }).notNull().default(false),
    reEscalationCount: integer('re_escalation_count').notNull().default(0),
    createdAt: text('created_at').notNull(),
    acknowledgedAt: text('acknowledged_at'),
  },
  (t) => [
    check('escalations_severity_check', sql`${t.severity} in ('low', 'medium', 'high', 'critical')`),
    index('escalations_created_idx').on(t.createdAt, t.id),
  ],
);

// One row: the town id this DO serves, stored on first use so alarms (which get no request) know it.
export const town = sqliteTable('town', {
  id: text('id').primaryKey(),
  createdAt: text('created_at').notNull(),
});
