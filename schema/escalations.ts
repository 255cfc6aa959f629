import { sql } from 'drizzle-orm';
import { check, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

const SEVERITY_ENUM = ['low', 'medium', 'high', 'critical'] as const;

export const escalations = sqliteTable(
  'escalations',
  {
    id: text('id').primaryKey(),
    sourceRigId: text('source_rig_id').notNull(),
    sourceAgentId: text('source_agent_id'),
    severity: text('severity', { enum: SEVERITY_ENUM }).notNull(),
    // The severity it was raised with (`severity` moves up on re-escalation). Nullable only because SQLite
    // cannot add a NOT NULL column without a default to an existing table; every write sets it.
    originalSeverity: text('original_severity', { enum: SEVERITY_ENUM }),
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
    // While an unresolved escalation holds a dedup key, raises with that key count on it instead.
    dedupKey: text('dedup_key'),
    occurrences: integer('occurrences').notNull().default(1),
    lastSeenAt: text('last_seen_at'),
    resolvedAt: text('resolved_at'),
    resolvedBy: text('resolved_by'),
    resolveReason: text('resolve_reason'),
    // Derived, so rows written before resolve existed read right without a data migration.
    status: text('status', { enum: ['open', 'acknowledged', 'resolved'] }).generatedAlwaysAs(
      sql`case when resolved_at is not null then 'resolved' when acknowledged then 'acknowledged' else 'open' end`,
      { mode: 'virtual' },
    ),
    // Resolved automatically when this convoy lands or is cancelled (or, with a bead, when that bead closes).
    convoyId: text('convoy_id'),
    beadId: text('bead_id'),
    // The active silence that keeps it quiet, or the open escalation that inhibits it (null when neither).
    silencedBy: text('silenced_by'),
    inhibitedBy: text('inhibited_by'),
    // The re-escalation grid starts here (set when a silence or an inhibition lets it go); null = createdAt.
    clockFrom: text('clock_from'),
  },
  (t) => [
    check('escalations_severity_check', sql`${t.severity} in ('low', 'medium', 'high', 'critical')`),
    index('escalations_created_idx').on(t.createdAt, t.id),
    // `escalation.list` filters: one index per filter keeps a filtered page from scanning the whole table.
    index('escalations_ack_created_idx').on(t.acknowledged, t.createdAt, t.id),
    index('escalations_severity_created_idx').on(t.severity, t.createdAt, t.id),
    index('escalations_status_created_idx').on(t.status, t.createdAt, t.id),
    // Keys are scoped per source (as PagerDuty scopes a dedup_key to its service): one rig's key never
    // folds into, nor reveals, another rig's escalation.
    uniqueIndex('escalations_source_idempotency_key_unique').on(t.sourceRigId, t.idempotencyKey),
    // At most one unresolved escalation per (source, dedup key): the database enforces what raise relies on.
    uniqueIndex('escalations_source_open_dedup_key_unique').on(t.sourceRigId, t.dedupKey).where(sql`${t.resolvedAt} is null`),
    index('escalations_open_convoy_idx').on(t.convoyId, t.beadId).where(sql`${t.resolvedAt} is null`),
    index('escalations_silenced_idx').on(t.silencedBy),
    index('escalations_inhibited_idx').on(t.inhibitedBy),
  ],
);

/**
 * Which notification told an escalation to which channel: its own (`esc:<id>:<n>`) or a group digest.
 * `escalation.deliveries` and the channels an `escalation.resolved` goes to are read from here.
 */
export const escalationNotices = sqliteTable(
  'escalation_notices',
  {
    escalationId: text('escalation_id').notNull(),
    eventId: text('event_id').notNull(),
    channel: text('channel', { enum: ['mayor', 'webhook', 'email'] }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.escalationId, t.eventId, t.channel] })],
);

/** Routings held back for the next group notification: at most one per escalation (its latest). */
export const escalationHeld = sqliteTable('escalation_held', {
  escalationId: text('escalation_id').primaryKey(),
  type: text('type').notNull(), // escalation.raised | escalation.reescalated | escalation.upgraded
  heldAt: text('held_at').notNull(),
});

/** When the town's last group notification went out (one row, `id = 1`). */
export const escalationGroupState = sqliteTable(
  'escalation_group_state',
  {
    id: integer('id').primaryKey(),
    lastFlushAt: text('last_flush_at'),
  },
  (t) => [check('escalation_group_state_singleton', sql`${t.id} = 1`)],
);

/** Silences: escalations matching every matcher set, raised while it is active, notify nobody. */
export const escalationSilences = sqliteTable(
  'escalation_silences',
  {
    id: text('id').primaryKey(),
    sourceRigId: text('source_rig_id'),
    category: text('category'),
    severity: text('severity', { enum: SEVERITY_ENUM }),
    dedupKeyPrefix: text('dedup_key_prefix'),
    startsAt: text('starts_at').notNull(),
    endsAt: text('ends_at').notNull(),
    reason: text('reason').notNull(),
    createdBy: text('created_by'),
    // Set when it ended (its time came or `escalation.unsilence`) and its escalations were let go.
    endedAt: text('ended_at'),
  },
  (t) => [index('escalation_silences_ends_idx').on(t.endedAt, t.endsAt)],
);
