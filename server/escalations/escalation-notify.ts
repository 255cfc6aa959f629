import { eq } from 'drizzle-orm';
import { rigs } from '../../schema/town';
import { appendEvent } from '../events/log';
import { logEvent } from '../log';
import type { Channel } from '../notify/channel';
import { enqueueNotification } from '../notify/outbox';
import { channelsFor, effectiveRouting } from '../notify/routing';
import type { TownContext } from '../town/context';
import type { Escalation } from './shape';

export type EscalationEventType = 'escalation.raised' | 'escalation.reescalated';

/**
 * Routes an escalation at its current severity: its event (`type`), one structured log line, and an
 * outbox notification for each channel its severity is routed to, carrying the event's id (stable
 * across retries, so receivers de-duplicate on it). Call inside the transaction that wrote it.
 */
export function notifyEscalation(
  ctx: TownContext,
  escalation: Escalation,
  type: EscalationEventType,
  extra: { previousSeverity?: Escalation['severity'] } = {},
): Channel[] {
  const channels = channelsFor(effectiveRouting(ctx), escalation.severity);
  // The watchdog raises for sources that are not registered rigs (e.g. `town-container`): use the id.
  const rigName = ctx.db.select({ name: rigs.name }).from(rigs).where(eq(rigs.id, escalation.sourceRigId)).get()?.name;
  const data = { townId: ctx.townId, escalation, sourceRigName: rigName ?? escalation.sourceRigId, ...extra };
  const eventId = appendEvent(ctx, {
    type,
    escalationId: escalation.id,
    rigId: rigName === undefined ? null : escalation.sourceRigId,
    data: {
      severity: escalation.severity,
      originalSeverity: escalation.originalSeverity,
      reEscalationCount: escalation.reEscalationCount,
      category: escalation.category,
      routedTo: channels,
      ...extra,
    },
  });
  enqueueNotification(ctx, { eventId, type, data, channels });
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
