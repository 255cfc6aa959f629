import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { JsonObject } from '../../schema/json';
import { outbox, schedule } from '../../schema/town';
import { iso, type TownContext } from '../core/context';
import { isLocalDev } from '../core/environment';
import { logEvent } from '../core/log';
import { mayorStub } from '../core/mayor-stub';
import { jittered, type Task, type TaskResult } from '../core/scheduler';
import { PEER_CALL_TIMEOUT_MS, withTimeout } from '../core/timeout';
import type { Channel } from './channel';
import type { SendResult } from './delivery-result';
import { sendEmail } from './email';
import { describeNotification, type NotificationPayload } from './notification-text';
import { DELIVERY_TASK_KIND } from './outbox';
import { disableWebhook, notifyTargets, webhookSigningSecrets, webhookUrlProblem } from './targets';
import { sendToWatcher } from './watcher-targets';
import { postWebhook } from './webhook';

// Delivers outbox rows (one per event and channel), retrying failures on a Svix-like schedule.

/** Waits before retries 1–7 after the immediate first attempt: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. */
export const DELIVERY_RETRY_DELAYS_MS = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000] as const;
/** After this many failed attempts a delivery is marked `failed` and no longer retried. */
export const MAX_DELIVERY_ATTEMPTS = DELIVERY_RETRY_DELAYS_MS.length + 1;

/** Delay before the next attempt after `failedAttempts` failures (±10% jitter), or null when it is time to give up. */
export function deliveryRetryDelayMs(failedAttempts: number, random = Math.random): number | null {
  const base = DELIVERY_RETRY_DELAYS_MS[failedAttempts - 1];
  return base === undefined ? null : jittered(base, random);
}

type OutboxRow = typeof outbox.$inferSelect;

/** A delivery that ended (delivered, or failed for good): what the town records about it. */
export interface SettledDelivery {
  /** The id of the event that caused the notification. */
  eventId: string;
  type: string;
  channel: Channel;
  status: 'delivered' | 'failed';
  attempts: number;
  /** Set for a convoy watcher's notification. */
  watcherId?: string;
}

/**
 * Called in the transaction that records a settled delivery. Given by the TownDO (it appends the
 * event-log row), so notify/ need not know the event log.
 */
export type OnDeliverySettled = (ctx: TownContext, delivery: SettledDelivery) => void;
type MayorAnswer = Awaited<ReturnType<ReturnType<typeof mayorStub>['receiveMail']>>;

/**
 * The `outbox.deliver` task: one attempt at one outbox row, then record what happened. `inFlight` is
 * owned by the DO instance (so it dies with it): a second alarm run (only tests start one concurrently)
 * must not send a row again while the first is still waiting for an answer.
 */
export async function deliverOutboxTask(
  ctx: TownContext,
  task: Task,
  inFlight: Set<string>,
  onSettled: OnDeliverySettled = () => {},
): Promise<TaskResult> {
  const { outboxId } = task.payload as { outboxId: string };
  const row = ctx.db.select().from(outbox).where(eq(outbox.id, outboxId)).get();
  if (row?.status !== 'pending') return undefined;
  if (inFlight.has(row.id)) return { retryAt: ctx.now().getTime() + DELIVERY_RETRY_DELAYS_MS[0] };
  inFlight.add(row.id);
  const started = performance.now();
  let result: SendResult;
  try {
    result = await send(ctx, row);
  } catch (error) {
    result = { ok: false, error: error instanceof Error ? error.message : String(error) };
  } finally {
    inFlight.delete(row.id);
  }
  return recordAttempt(ctx, row, result, Math.round(performance.now() - started), onSettled);
}

async function send(ctx: TownContext, row: OutboxRow): Promise<SendResult> {
  if (row.watcherId) return sendToWatcher(ctx, row, row.watcherId);
  const payload = row.payload as unknown as NotificationPayload;
  const channel: Channel = row.channel;
  if (channel === 'mayor') {
    const { subject, text } = describeNotification(ctx.townId, payload);
    // The payload was JSON-serialized into the outbox, so its data is JSON.
    const data = payload.data as JsonObject;
    const mail = { id: row.eventId, type: row.type, subject, body: text, data, sentAt: payload.timestamp };
    const received = await withTimeout<MayorAnswer>(
      mayorStub(ctx.env, ctx.townId).receiveMail(mail),
      PEER_CALL_TIMEOUT_MS,
      'mayor receiveMail',
    );
    return received.ok ? { ok: true } : { ok: false, error: received.message };
  }
  const routing = notifyTargets(ctx);
  if (channel === 'webhook') {
    if (!routing.webhookUrl) return { ok: false, error: 'no webhook URL is configured', final: true };
    if (routing.webhookDisabled) return { ok: false, error: `webhook disabled: ${routing.webhookDisabled.reason}`, final: true };
    // Checked again here: an environment default never went through setRouting's check.
    const problem = webhookUrlProblem(routing.webhookUrl, isLocalDev(ctx.env), routing.webhookAllowAnyPort);
    if (problem) return { ok: false, error: `refused: ${problem}`, final: true };
    const url = routing.webhookUrl;
    const signing = webhookSigningSecrets(ctx);
    if (signing.secrets.length === 0) return { ok: false, error: signing.missing };
    const result = await postWebhook({
      url,
      secrets: signing.secrets,
      eventId: row.eventId,
      payload: row.payload,
      now: ctx.now(),
    });
    if (result.ok || !result.gone) return result;
    if (disableWebhook(ctx, url, `${result.error} at ${iso(ctx.now())}`)) return result;
    // The URL was replaced while this attempt waited: retry the event, which goes to the new URL.
    return { ok: false, error: `${result.error} from a URL replaced meanwhile: retrying to the new one` };
  }
  if (!routing.emailTo) return { ok: false, error: 'no email address is configured', final: true };
  const text = describeNotification(ctx.townId, payload);
  return sendEmail(ctx.env.EMAIL, { ...text, from: routing.emailFrom, to: routing.emailTo });
}

function recordAttempt(ctx: TownContext, row: OutboxRow, result: SendResult, durationMs: number, onSettled: OnDeliverySettled): TaskResult {
  const attempts = row.attempts + 1;
  const attempt = {
    townId: ctx.townId,
    outboxId: row.id,
    eventId: row.eventId,
    type: row.type,
    channel: row.channel,
    attempts,
    durationMs,
  };
  const now = ctx.now();
  const stillPending = and(eq(outbox.id, row.id), eq(outbox.status, 'pending'));
  const settled = {
    eventId: row.eventId,
    type: row.type,
    channel: row.channel,
    attempts,
    ...(row.watcherId && { watcherId: row.watcherId }),
  };
  if (result.ok) {
    ctx.db.transaction(() => {
      const updated = ctx.db
        .update(outbox)
        .set({ status: 'delivered', attempts, lastError: null, deliveredAt: iso(now) })
        .where(stillPending)
        .returning({ id: outbox.id })
        .get();
      if (updated) onSettled(ctx, { ...settled, status: 'delivered' });
    });
    logEvent('info', 'outbox.delivered', attempt);
    return undefined;
  }
  const delay = result.final || result.gone ? null : deliveryRetryDelayMs(attempts);
  const status = delay === null ? 'failed' : 'pending';
  ctx.db.transaction(() => {
    const updated = ctx.db
      .update(outbox)
      .set({ status, attempts, lastError: result.error.slice(0, 500) })
      .where(stillPending)
      .returning({ id: outbox.id })
      .get();
    if (updated && status === 'failed') onSettled(ctx, { ...settled, status });
  });
  const fields = { ...attempt, error: result.error };
  logEvent(status === 'failed' ? 'error' : 'warn', status === 'failed' ? 'outbox.failed' : 'outbox.retry', fields);
  return delay === null ? undefined : { retryAt: now.getTime() + delay };
}

/** A delivery's visible state: pending (with its next attempt), delivered, or failed after N attempts. */
export interface Delivery {
  eventId: string;
  type: string;
  channel: Channel;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
  nextAttemptAt: string | null;
}

export function deliveriesOf({ db }: TownContext, eventIds: string[]): Delivery[] {
  if (eventIds.length === 0) return [];
  const rows = db
    .select({ row: outbox, dueAt: schedule.dueAt })
    .from(outbox)
    // The delivery task's id is `outbox:<outbox id>` (see enqueueNotification).
    .leftJoin(schedule, and(eq(schedule.id, sql`'outbox:' || ${outbox.id}`), eq(schedule.kind, DELIVERY_TASK_KIND)))
    // The town's own channels: a convoy watcher's deliveries are its own business.
    .where(and(inArray(outbox.eventId, eventIds), isNull(outbox.watcherId)))
    .orderBy(asc(outbox.createdAt), asc(outbox.id))
    .all();
  return rows.map(({ row, dueAt }) => ({
    eventId: row.eventId,
    type: row.type,
    channel: row.channel,
    status: row.status,
    attempts: row.attempts,
    lastError: row.lastError,
    createdAt: row.createdAt,
    deliveredAt: row.deliveredAt,
    nextAttemptAt: row.status === 'pending' && dueAt !== null ? new Date(dueAt).toISOString() : null,
  }));
}
