import { eq } from 'drizzle-orm';
import { events } from '../../schema/town';
import type { TownContext } from '../core/context';
import { appendEvent } from '../core/event-log';
import { seqOf } from '../core/event-shape';

/**
 * `notification.delivered` / `notification.failed` (for good): the TownDO hands this to the outbox's
 * delivery, which calls it in the transaction that records the outcome. The event carries the ids of
 * the event that caused the notification, so a convoy's or an escalation's stream shows its deliveries.
 */
export function recordDeliveryEvent(
  ctx: TownContext,
  delivery: { eventId: string; type: string; channel: string; status: 'delivered' | 'failed'; attempts: number; watcherId?: string },
): void {
  const causeSeq = seqOf(delivery.eventId);
  const cause =
    causeSeq === null
      ? undefined
      : ctx.db
          .select({ rigId: events.rigId, convoyId: events.convoyId, escalationId: events.escalationId })
          .from(events)
          .where(eq(events.seq, causeSeq))
          .get();
  appendEvent(ctx, {
    type: delivery.status === 'delivered' ? 'notification.delivered' : 'notification.failed',
    rigId: cause?.rigId,
    convoyId: cause?.convoyId,
    escalationId: cause?.escalationId,
    data: {
      eventId: delivery.eventId,
      type: delivery.type,
      channel: delivery.channel,
      attempts: delivery.attempts,
      ...(delivery.watcherId && { watcherId: delivery.watcherId }),
    },
  });
}
