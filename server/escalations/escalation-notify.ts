import { eq } from 'drizzle-orm';
import { rigs } from '../../schema/town';
import { logEvent } from '../log';
import type { Channel } from '../notify/channel';
import { enqueueNotification } from '../notify/outbox';
import { channelsFor, effectiveRouting } from '../notify/routing';
import type { TownContext } from '../town/context';
import type { Escalation } from './shape';

export type EscalationEventType = 'escalation.raised' | 'escalation.reescalated';

/** The outbox event id of an escalation's n-th routing (0 = raised): stable, so retries de-duplicate. */
export const escalationEventId = (escalationId: string, reEscalationCount: number) => `esc:${escalationId}:${reEscalationCount}`;

/**
 * Routes an escalation at its current severity: one structured log line always, plus an outbox
 * notification for each channel its severity is routed to. Call inside the transaction that wrote it.
 */
export function notifyEscalation(
  ctx: TownContext,
  escalation: Escalation,
  type: EscalationEventType,
  extra: Record<string, unknown> = {},
): Channel[] {
  const channels = channelsFor(effectiveRouting(ctx), escalation.severity);
  // The watchdog raises for sources that are not registered rigs (e.g. `town-container`): use the id.
  const rigName = ctx.db.select({ name: rigs.name }).from(rigs).where(eq(rigs.id, escalation.sourceRigId)).get()?.name;
  const data = { townId: ctx.townId, escalation, sourceRigName: rigName ?? escalation.sourceRigId, ...extra };
  enqueueNotification(ctx, { eventId: escalationEventId(escalation.id, escalation.reEscalationCount), type, data, channels });
  const level = escalation.severity === 'low' || escalation.severity === 'medium' ? 'info' : 'warn';
  logEvent(level, type, {
    townId: ctx.townId,
    escalationId: escalation.id,
    severity: escalation.severity,
    originalSeverity: escalation.originalSeverity,
    reEscalationCount: escalation.reEscalationCount,
    sourceRigId: escalation.sourceRigId,
    category: escalation.category,
    routedTo: channels,
  });
  return channels;
}
