import { sql } from 'drizzle-orm';
import { check, index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

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
