import { sql } from 'drizzle-orm';
import { check, index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * A town's escalation routing settings: at most one row (`id = 1`). A null column means "use the
 * environment default", so a town that never called `setRouting` follows the deployment's defaults.
 */
export const escalationRouting = sqliteTable(
  'escalation_routing',
  {
    id: integer('id').primaryKey(),
    webhookUrl: text('webhook_url'),
    emailTo: text('email_to'),
    // Per-severity channel lists that override the built-in routes; severities left out keep theirs.
    routes: text('routes', { mode: 'json' }).$type<
      Partial<Record<'low' | 'medium' | 'high' | 'critical', ('mayor' | 'webhook' | 'email')[]>>
    >(),
    staleAfterMinutes: integer('stale_after_minutes'),
    maxReEscalations: integer('max_re_escalations'),
    // Grouped notifications: how long the first of a quiet period waits, and how often later ones go out.
    groupWaitSeconds: integer('group_wait_seconds'),
    groupIntervalSeconds: integer('group_interval_seconds'),
    // Set when the webhook endpoint answered 410 Gone: nothing more is sent to it until the URL is set again.
    webhookDisabledAt: text('webhook_disabled_at'),
    webhookDisabledReason: text('webhook_disabled_reason'),
    // Deployed towns post webhooks only to ports 443, 80 and 8443 unless this is set (null = false).
    webhookAllowAnyPort: integer('webhook_allow_any_port', { mode: 'boolean' }),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [check('escalation_routing_singleton', sql`${t.id} = 1`)],
);

/**
 * Outgoing notifications, one row per event and channel, written in the same transaction as the state
 * change that causes them and delivered later (at least once; `event_id` lets receivers de-duplicate).
 */
export const outbox = sqliteTable(
  'outbox',
  {
    id: text('id').primaryKey(), // `${eventId}:${channel}`, or `${eventId}:watcher:${watcherId}`
    eventId: text('event_id').notNull(),
    type: text('type').notNull(), // e.g. `convoy.landed`, `escalation.raised`
    channel: text('channel', { enum: ['mayor', 'webhook', 'email'] }).notNull(),
    // Set for a convoy watcher's notification (`${eventId}:watcher:${watcherId}`): delivered to that
    // watcher's URL, signed with its secret, or to its email, whatever the town's routing says.
    watcherId: text('watcher_id'),
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
