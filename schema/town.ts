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
    // The caller's key for a create: retrying a create with it returns the first convoy.
    idempotencyKey: text('idempotency_key'),
  },
  (t) => [
    check('convoys_status_check', sql`${t.status} in ('active', 'landed', 'cancelled')`),
    index('convoys_created_idx').on(t.createdAt, t.id),
    index('convoys_status_created_idx').on(t.status, t.createdAt, t.id),
    uniqueIndex('convoys_idempotency_key_unique').on(t.idempotencyKey),
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
    // Kept by the town: a rig that is down gets them from a later delivery attempt, and convoy.get shows titles.
    title: text('title').notNull().default(''),
    body: text('body'),
    // Order of addition within the convoy (0-based); a rig's delivery watermark is a position.
    position: integer('position').notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.convoyId, t.beadId] }),
    check('convoy_beads_status_check', sql`${t.status} in ('open', 'closed')`),
    index('convoy_beads_position_idx').on(t.convoyId, t.position),
    index('convoy_beads_rig_idx').on(t.convoyId, t.rigId, t.position),
    // A rig's open beads, across convoys (removing a rig that still holds some is refused).
    index('convoy_beads_rig_status_idx').on(t.rigId, t.status),
  ],
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

export const escalations = sqliteTable(
  'escalations',
  {
    id: text('id').primaryKey(),
    sourceRigId: text('source_rig_id').notNull(),
    sourceAgentId: text('source_agent_id'),
    severity: text('severity', { enum: ['low', 'medium', 'high', 'critical'] }).notNull(),
    // The severity it was raised with (`severity` moves up on re-escalation). Nullable only because SQLite
    // cannot add a NOT NULL column without a default to an existing table; every write sets it.
    originalSeverity: text('original_severity', { enum: ['low', 'medium', 'high', 'critical'] }),
    category: text('category'),
    message: text('message').notNull(),
    acknowledged: integer('acknowledged', { mode: 'boolean' }).notNull().default(false),
    reEscalationCount: integer('re_escalation_count').notNull().default(0),
    createdAt: text('created_at').notNull(),
    acknowledgedAt: text('acknowledged_at'),
    acknowledgedBy: text('acknowledged_by'),
    lastReEscalatedAt: text('last_re_escalated_at'),
    // The caller's key for `escalation.raise`: a retry after a lost answer returns the first escalation.
    idempotencyKey: text('idempotency_key'),
  },
  (t) => [
    check('escalations_severity_check', sql`${t.severity} in ('low', 'medium', 'high', 'critical')`),
    index('escalations_created_idx').on(t.createdAt, t.id),
    // `escalation.list` filters: one index per filter keeps a filtered page from scanning the whole table.
    index('escalations_ack_created_idx').on(t.acknowledged, t.createdAt, t.id),
    index('escalations_severity_created_idx').on(t.severity, t.createdAt, t.id),
    uniqueIndex('escalations_idempotency_key_unique').on(t.idempotencyKey),
  ],
);

// One row: the town id this DO serves, stored on first use so alarms (which get no request) know it.
export const town = sqliteTable('town', {
  id: text('id').primaryKey(),
  createdAt: text('created_at').notNull(),
});

export * from './escalation-routing';
export { schedule } from './schedule';

/**
 * Outgoing notifications, one row per event and channel, written in the same transaction as the state
 * change that causes them and delivered later (at least once; `event_id` lets receivers de-duplicate).
 */
export const outbox = sqliteTable(
  'outbox',
  {
    id: text('id').primaryKey(), // `${eventId}:${channel}`
    eventId: text('event_id').notNull(),
    type: text('type').notNull(), // e.g. `convoy.landed`, `escalation.raised`
    channel: text('channel', { enum: ['mayor', 'webhook', 'email'] }).notNull(),
    payload: text('payload', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    status: text('status', { enum: ['pending', 'delivered', 'failed'] })
      .notNull()
      .default('pending'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    createdAt: text('created_at').notNull(),
    deliveredAt: text('delivered_at'),
  },
  (t) => [
    check('outbox_channel_check', sql`${t.channel} in ('mayor', 'webhook', 'email')`),
    check('outbox_status_check', sql`${t.status} in ('pending', 'delivered', 'failed')`),
    index('outbox_event_idx').on(t.eventId),
    index('outbox_status_idx').on(t.status, t.createdAt),
  ],
);

export * from './watchdog';
