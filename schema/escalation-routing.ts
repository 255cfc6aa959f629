import { sql } from 'drizzle-orm';
import { check, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

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
    // Set when the webhook endpoint answered 410 Gone: nothing more is sent to it until the URL is set again.
    webhookDisabledAt: text('webhook_disabled_at'),
    webhookDisabledReason: text('webhook_disabled_reason'),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [check('escalation_routing_singleton', sql`${t.id} = 1`)],
);
