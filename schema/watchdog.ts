import { sql } from 'drizzle-orm';
import { check, index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

// The watchdog's records: the latest health of each target (each rig, the Town Container) and a
// bounded history of checks. Timestamps are ISO-8601 text.

export const HEALTH_STATUSES = ['healthy', 'unhealthy', 'unavailable'] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];
export type TargetKind = 'rig' | 'container';

/** One row per target: what the last check saw, and the state of an ongoing outage. */
export const healthTargets = sqliteTable(
  'health_targets',
  {
    target: text('target').primaryKey(), // a rig id, or `town-container`
    kind: text('kind', { enum: ['rig', 'container'] }).notNull(),
    name: text('name').notNull(),
    status: text('status', { enum: HEALTH_STATUSES }).notNull(),
    lastCheckedAt: text('last_checked_at').notNull(),
    latencyMs: integer('latency_ms').notNull(),
    consecutiveFailures: integer('consecutive_failures').notNull().default(0),
    lastError: text('last_error'),
    lastHealthyAt: text('last_healthy_at'),
    // Set by the first failure of an outage, cleared by the check that ends it.
    failingSince: text('failing_since'),
    // The escalation raised for the ongoing outage: at most one per outage.
    escalationId: text('escalation_id'),
  },
  (t) => [
    check('health_targets_kind_check', sql`${t.kind} in ('rig', 'container')`),
    check('health_targets_status_check', sql`${t.status} in ('healthy', 'unhealthy', 'unavailable')`),
  ],
);

/** Every check, newest kept: each target's rows are capped when a check is recorded. */
export const healthChecks = sqliteTable(
  'health_checks',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    target: text('target').notNull(),
    checkedAt: text('checked_at').notNull(),
    status: text('status', { enum: HEALTH_STATUSES }).notNull(),
    latencyMs: integer('latency_ms').notNull(),
    error: text('error'),
    // What this check changed: the outage it started, the escalation it raised, the recovery it saw.
    transition: text('transition', { enum: ['failing', 'escalated', 'recovered'] }),
  },
  (t) => [
    check('health_checks_status_check', sql`${t.status} in ('healthy', 'unhealthy', 'unavailable')`),
    check('health_checks_transition_check', sql`${t.transition} in ('failing', 'escalated', 'recovered')`),
    index('health_checks_target_idx').on(t.target, t.id),
  ],
);

/** One row: when the last heartbeat ran and whether any of its steps failed. */
export const watchdogState = sqliteTable('watchdog_state', {
  id: integer('id').primaryKey(), // always 1
  lastHeartbeatAt: text('last_heartbeat_at').notNull(),
  lastDurationMs: integer('last_duration_ms').notNull(),
  lastStepErrors: integer('last_step_errors').notNull(),
});
