import { eq } from 'drizzle-orm';
import { convoyWatchers, outbox } from '../../schema/town';
import { iso, type TownContext } from '../core/context';
import { isLocalDev } from '../core/environment';
import { scheduleTask } from '../core/scheduler';
import type { SendResult } from './delivery-result';
import { sendEmail } from './email';
import { describeNotification, type NotificationPayload } from './notification-text';
import { DELIVERY_TASK_KIND } from './outbox';
import { notifyTargets, webhookUrlProblem } from './targets';
import { postWebhook } from './webhook';

// A convoy watcher as a delivery target: its own webhook URL signed with its own secret, or an email
// address the town's email routing may send to. Its notifications are outbox rows carrying its id, so
// they are retried like any other and go out whatever the escalation routing says. (convoys/ manages
// watchers; here is only where their notifications go.)

export interface WatcherTarget {
  id: string;
  webhookUrl: string | null;
  email: string | null;
}

export interface WatcherNotification {
  /** The causing event's id: with the watcher's id it makes the outbox row's id, so each is told once. */
  eventId: string;
  type: string;
  data: Record<string, unknown>;
}

const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1).toLowerCase();

/**
 * Why the town may not email `email` for a watcher, or null if it may: only the town's own email
 * address (`escalation.setRouting` `emailTo`, or the environment's) or another address at its domain,
 * so a watcher cannot make the town mail strangers.
 */
export function watcherEmailProblem(ctx: TownContext, email: string): string | null {
  const { emailTo } = notifyTargets(ctx);
  if (!emailTo) return 'email: the town sends no email (set emailTo with escalation.setRouting first)';
  if (domainOf(email) !== domainOf(emailTo)) return `email: must be at the town's email domain (${domainOf(emailTo)})`;
  return null;
}

/** Why `url` cannot be a watcher's webhook: the town webhook's rules (https, no private hosts when deployed). */
export const watcherUrlProblem = (ctx: TownContext, url: string) => webhookUrlProblem(url, isLocalDev(ctx.env));

/** One outbox row for one watcher and its delivery task, in the caller's transaction; a repeat adds nothing. */
export function enqueueForWatcher(ctx: TownContext, watcher: WatcherTarget, notification: WatcherNotification): void {
  const createdAt = ctx.now();
  const id = `${notification.eventId}:watcher:${watcher.id}`;
  ctx.db
    .insert(outbox)
    .values({
      id,
      eventId: notification.eventId,
      type: notification.type,
      channel: watcher.webhookUrl ? 'webhook' : 'email',
      watcherId: watcher.id,
      payload: { type: notification.type, timestamp: iso(createdAt), data: notification.data },
      createdAt: iso(createdAt),
    })
    .onConflictDoNothing()
    .run();
  scheduleTask(ctx.db, { id: `outbox:${id}`, kind: DELIVERY_TASK_KIND, dueAt: createdAt.getTime(), payload: { outboxId: id } });
}

/** One attempt at a watcher's outbox row: its URL and its secret only, or its email; a removed watcher is told nothing. */
export async function sendToWatcher(ctx: TownContext, row: typeof outbox.$inferSelect, watcherId: string): Promise<SendResult> {
  const watcher = ctx.db.select().from(convoyWatchers).where(eq(convoyWatchers.id, watcherId)).get();
  if (!watcher) return { ok: false, error: 'the watcher was removed (convoy.unwatch)', final: true };
  if (watcher.webhookUrl) {
    // Checked again: the deployment's rules may have changed since convoy.watch.
    const problem = watcherUrlProblem(ctx, watcher.webhookUrl);
    if (problem) return { ok: false, error: `refused: ${problem}`, final: true };
    if (!watcher.signingSecret) return { ok: false, error: 'the watcher has no signing secret', final: true };
    const result = await postWebhook({
      url: watcher.webhookUrl,
      secrets: [watcher.signingSecret],
      eventId: row.eventId,
      payload: row.payload,
      now: ctx.now(),
    });
    return result.ok || !result.gone ? result : { ...result, final: true };
  }
  const email = watcher.email ?? '';
  // The town's email routing may have changed since: it decides again.
  const problem = watcherEmailProblem(ctx, email);
  if (problem) return { ok: false, error: `refused: ${problem}`, final: true };
  const text = describeNotification(ctx.townId, row.payload as unknown as NotificationPayload);
  return sendEmail(ctx.env.EMAIL, { ...text, from: notifyTargets(ctx).emailFrom, to: email });
}
