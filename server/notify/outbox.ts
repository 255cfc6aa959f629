import { outbox } from '../../schema/town';
import { iso, type TownContext } from '../core/context';
import { scheduleTask } from '../core/scheduler';
import type { Channel } from './channel';
import { configuredChannels, notifyTargets } from './targets';

export interface Notification {
  /** Stable event id (the webhook's `webhook-id`); defaults to a new UUID. */
  eventId?: string;
  type: string;
  data: Record<string, unknown>;
  channels: readonly Channel[];
}

export const DELIVERY_TASK_KIND = 'outbox.deliver';

/**
 * Records a notification for each channel and schedules its delivery. Call it inside the same
 * transaction as the state change it reports, so neither exists without the other. Channels the town
 * has not configured (no webhook URL, a webhook disabled by 410 Gone, no email address) are dropped
 * here, so nothing is retried for an endpoint that does not exist.
 */
export function enqueueNotification(ctx: TownContext, notification: Notification): string {
  const { db, now } = ctx;
  const eventId = notification.eventId ?? crypto.randomUUID();
  const createdAt = now();
  const configured = configuredChannels(notifyTargets(ctx));
  for (const channel of new Set(notification.channels.filter((c) => configured.has(c)))) {
    const id = `${eventId}:${channel}`;
    db.insert(outbox)
      .values({
        id,
        eventId,
        type: notification.type,
        channel,
        payload: { type: notification.type, timestamp: iso(createdAt), data: notification.data },
        createdAt: iso(createdAt),
      })
      .onConflictDoNothing()
      .run();
    scheduleTask(db, { id: `outbox:${id}`, kind: DELIVERY_TASK_KIND, dueAt: createdAt.getTime(), payload: { outboxId: id } });
  }
  return eventId;
}
