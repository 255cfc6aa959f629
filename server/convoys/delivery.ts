import { and, asc, eq, gt, lt, sql } from 'drizzle-orm';
import { schedule as scheduleTable } from '../../schema/schedule';
import { convoyBeads, convoyRigDeliveries, convoys } from '../../schema/town';
import type { TownContext } from '../core/context';
import { appendEvent } from '../core/event-log';
import { logEvent } from '../core/log';
import {
  type DeferredResult,
  runTasksNow,
  scheduleTask,
  TASK_RETRY_BACKOFF_MS,
  type TaskHandler,
  type TaskResult,
} from '../core/scheduler';
import { PEER_CALL_TIMEOUT_MS, withTimeout } from '../core/timeout';
import { rigStub } from '../rigs/stub';
import { type RigBeadsTask, SKIP_TASK_KIND, UNBLOCK_TASK_KIND } from './dependencies';

// Getting a convoy's beads (and its cancellation) to the rigs. The state change and a task per rig are
// committed in one transaction; the task is then tried at once (one RPC per rig, never one per bead)
// and, if that fails, retried by the TownDO's alarm with backoff. Rigs accept a delivery idempotently
// (bead ids are the town's), so a retry after a lost answer duplicates nothing.

/** A TownContext that can also arm the DO's alarm between committing tasks and trying them inline. */
export interface ConvoyContext extends TownContext {
  armAlarm: () => Promise<void>;
  /** Keeps work going after the answer (the DO's `waitUntil`); without it, that work is awaited. */
  inBackground?: (work: Promise<unknown>) => void;
}

export const DELIVER_BEADS_TASK_KIND = 'convoy.deliverBeads';
export const DELIVER_CANCEL_TASK_KIND = 'convoy.deliverCancel';
/** convoy.retryFailed telling a rig to reopen the convoy's failed beads (retry.ts schedules it). */
export const RETRY_FAILED_TASK_KIND = 'convoy.retryFailed';
/** convoy.setPriority telling a rig the convoy's priority (priority.ts schedules it). */
export const SET_PRIORITY_TASK_KIND = 'convoy.setPriority';

/** The most beads one delivery RPC carries; a rig with more pending gets them over several attempts. */
export const DELIVERY_MAX_BEADS = 10_000;
/**
 * The most title and body characters one delivery RPC carries (a DO RPC message is capped at 32 MiB):
 * a rig that was down while many large beads piled up gets them over several attempts.
 */
export const DELIVERY_MAX_CHARS = 8 * 1024 * 1024;

interface RigDelivery {
  convoyId: string;
  rigId: string;
}

// One task per (convoy, rig): beads added again before a delivery lands ride on the same task.
const beadsTaskId = ({ convoyId, rigId }: RigDelivery) => `convoy.deliver:${convoyId}:${rigId}`;
const cancelTaskId = ({ convoyId, rigId }: RigDelivery) => `convoy.cancel:${convoyId}:${rigId}`;

function schedule(ctx: TownContext, kind: string, id: string, delivery: RigDelivery): string {
  // Due after the first backoff step: the inline attempt is the first try, the alarm the retry.
  scheduleTask(ctx.db, { id, kind, dueAt: ctx.now().getTime() + TASK_RETRY_BACKOFF_MS[0], payload: delivery });
  return id;
}

/** Schedules delivery of the convoy's undelivered beads to each rig; call inside the writing transaction. */
export function scheduleBeadDeliveries(ctx: TownContext, convoyId: string, rigIds: Iterable<string>): string[] {
  return [...new Set(rigIds)].map((rigId) => schedule(ctx, DELIVER_BEADS_TASK_KIND, beadsTaskId({ convoyId, rigId }), { convoyId, rigId }));
}

/** Schedules telling each rig that the convoy was cancelled; call inside the writing transaction. */
export function scheduleCancelDeliveries(ctx: TownContext, convoyId: string, rigIds: Iterable<string>): string[] {
  return [...new Set(rigIds)].map((rigId) =>
    schedule(ctx, DELIVER_CANCEL_TASK_KIND, cancelTaskId({ convoyId, rigId }), { convoyId, rigId }),
  );
}

/**
 * After the commit: arm the alarm (so a crash mid-attempt still retries), then try each delivery now,
 * awaited by default. `wait: false` (convoy.create / addBeads `waitForRigs: false`) lets the caller
 * answer at once: the tasks are durable already, so the attempt runs after the answer and a failure
 * retries from the alarm exactly as an awaited one would.
 */
export async function deliverNow(ctx: ConvoyContext, taskIds: readonly string[], { wait = true } = {}): Promise<void> {
  if (taskIds.length === 0) return;
  await ctx.armAlarm();
  const attempt = runTasksNow(ctx.db, taskIds, Date.now(), convoyTaskHandlers(ctx), { townId: ctx.townId });
  if (wait || !ctx.inBackground) return attempt;
  ctx.inBackground(
    attempt.catch((error: unknown) => {
      // The tasks stay scheduled: the alarm retries them.
      const message = error instanceof Error ? error.message : String(error);
      logEvent('error', 'task.failed', {
        townId: ctx.townId,
        taskId: taskIds.join(','),
        kind: DELIVER_BEADS_TASK_KIND,
        attempts: 1,
        error: message,
      });
    }),
  );
}

/**
 * Rigs that do not hold all of the convoy's beads yet: its delivery tasks still scheduled (one per rig,
 * gone once that rig has every bead; a range read along the schedule's primary key).
 */
export function pendingDeliveries({ db }: TownContext, convoyId: string): number {
  const prefix = beadsTaskId({ convoyId, rigId: '' });
  // ';' is the character after ':', so the range holds exactly the ids that start with the prefix.
  const end = `${prefix.slice(0, -1)};`;
  // The rows themselves rather than count(): none pending (the usual answer) reads no row at all.
  return db
    .select({ id: scheduleTable.id })
    .from(scheduleTable)
    .where(and(gt(scheduleTable.id, prefix), lt(scheduleTable.id, end)))
    .all().length;
}

/**
 * Sends a rig its pending beads. What the town records of it (the watermark, the event) is deferred: a
 * create's deliveries record theirs together once every rig has answered, in one durable write.
 */
async function deliverBeads(ctx: TownContext, { convoyId, rigId }: RigDelivery): Promise<TaskResult | DeferredResult> {
  const started = performance.now();
  const where = and(eq(convoyRigDeliveries.convoyId, convoyId), eq(convoyRigDeliveries.rigId, rigId));
  const deliveredThrough = ctx.db.select().from(convoyRigDeliveries).where(where).get()?.deliveredThrough ?? -1;
  const pending = ctx.db
    .select({
      id: convoyBeads.beadId,
      title: convoyBeads.title,
      body: convoyBeads.body,
      position: convoyBeads.position,
      waitingOn: convoyBeads.waitingOn,
    })
    .from(convoyBeads)
    .where(and(eq(convoyBeads.convoyId, convoyId), eq(convoyBeads.rigId, rigId), gt(convoyBeads.position, deliveredThrough)))
    .orderBy(asc(convoyBeads.position))
    .limit(DELIVERY_MAX_BEADS)
    .all();
  const batch = withinChars(pending, DELIVERY_MAX_CHARS);
  const last = batch.at(-1);
  if (!last) return undefined;
  // Blocked as the town knows it now: a release sent before this delivery landed is not lost.
  const beads = batch.map(({ id, title, body, waitingOn }) => ({ id, title, body, ...(waitingOn > 0 ? { blocked: true } : {}) }));
  // The convoy's retry policy travels with its beads (one row read).
  const policy = ctx.db
    .select({ maxAttempts: convoys.maxAttempts, requireRef: convoys.requireRef, priority: convoys.priority })
    .from(convoys)
    .where(eq(convoys.id, convoyId))
    .get();
  const { created } = await withTimeout(
    rigStub(ctx.env, ctx.townId, rigId).receiveBeads(ctx.townId, convoyId, beads, policy),
    PEER_CALL_TIMEOUT_MS,
    `rig ${rigId} receiveBeads`,
  );
  const durationMs = Math.round(performance.now() - started);
  const commit = (): TaskResult => {
    // Only what this attempt sent: beads added meanwhile have later positions and stay pending.
    ctx.db.transaction(() => {
      ctx.db
        .insert(convoyRigDeliveries)
        .values({ convoyId, rigId, deliveredThrough: last.position })
        .onConflictDoUpdate({
          target: [convoyRigDeliveries.convoyId, convoyRigDeliveries.rigId],
          set: { deliveredThrough: sql`max(${convoyRigDeliveries.deliveredThrough}, excluded.delivered_through)` },
        })
        .run();
      appendEvent(ctx, { type: 'convoy.beads_delivered', convoyId, rigId, data: { sent: beads.length, created } });
    });
    logEvent('info', 'convoy.beads_delivered', { townId: ctx.townId, convoyId, rigId, sent: beads.length, created, durationMs });
    // More may be pending: the next attempt right away (the alarm).
    return batch.length < pending.length || pending.length === DELIVERY_MAX_BEADS ? { retryAt: Date.now() } : undefined;
  };
  return { commit };
}

/** The leading beads whose titles and bodies fit in `maxChars` (at least one). */
function withinChars<B extends { title: string; body: string | null }>(beads: readonly B[], maxChars: number): B[] {
  let chars = 0;
  let count = 0;
  for (const bead of beads) {
    chars += bead.title.length + (bead.body?.length ?? 0);
    if (count > 0 && chars > maxChars) break;
    count += 1;
  }
  return beads.slice(0, count);
}

async function deliverCancel(ctx: TownContext, { convoyId, rigId }: RigDelivery): Promise<TaskResult> {
  const started = performance.now();
  const { cancelled } = await withTimeout(
    rigStub(ctx.env, ctx.townId, rigId).cancelConvoy(ctx.townId, convoyId),
    PEER_CALL_TIMEOUT_MS,
    `rig ${rigId} cancelConvoy`,
  );
  const durationMs = Math.round(performance.now() - started);
  logEvent('info', 'convoy.cancel_delivered', { townId: ctx.townId, convoyId, rigId, cancelled, durationMs });
  return undefined;
}

async function deliverRetry(ctx: TownContext, { convoyId, rigId }: RigDelivery): Promise<TaskResult> {
  const { reopened } = await withTimeout(
    rigStub(ctx.env, ctx.townId, rigId).retryFailedBeads(convoyId),
    PEER_CALL_TIMEOUT_MS,
    `rig ${rigId} retryFailedBeads`,
  );
  logEvent('info', 'convoy.retry_delivered', { townId: ctx.townId, convoyId, rigId, reopened });
  return undefined;
}

/** Sends a rig the convoy's priority as the town holds it now (a later change's task sends the later one). */
async function deliverPriority(ctx: TownContext, { convoyId, rigId }: RigDelivery): Promise<TaskResult> {
  const row = ctx.db.select({ priority: convoys.priority }).from(convoys).where(eq(convoys.id, convoyId)).get();
  if (!row) return undefined;
  const { updated } = await withTimeout(
    rigStub(ctx.env, ctx.townId, rigId).setConvoyPriority(convoyId, row.priority),
    PEER_CALL_TIMEOUT_MS,
    `rig ${rigId} setConvoyPriority`,
  );
  logEvent('info', 'convoy.priority_delivered', { townId: ctx.townId, convoyId, rigId, priority: row.priority, updated });
  return undefined;
}

/**
 * Tells a rig that beads of a convoy were released (their last dependency closed) or skipped (one failed
 * for good). A bead the rig does not hold yet (its delivery still pending) makes the task retry, so the
 * change is never lost; the delivery itself sends the town's current state.
 */
async function deliverDependencyChange(ctx: TownContext, task: RigBeadsTask, what: 'unblock' | 'skip'): Promise<TaskResult> {
  const rig = rigStub(ctx.env, ctx.townId, task.rigId);
  const call =
    what === 'unblock' ? rig.unblockBeads(task.convoyId, task.beadIds) : rig.skipBeads(task.convoyId, task.beadIds, task.reason ?? '');
  const { missing } = await withTimeout(call, PEER_CALL_TIMEOUT_MS, `rig ${task.rigId} ${what}Beads`);
  logEvent('info', `convoy.${what}_delivered`, {
    townId: ctx.townId,
    convoyId: task.convoyId,
    rigId: task.rigId,
    beads: task.beadIds.length,
    missing,
  });
  if (missing > 0) throw new Error(`rig ${task.rigId} does not hold ${missing} of the beads yet`);
  return undefined;
}

/** One delivery attempt to one rig, logged with its duration when it fails (the scheduler then retries it). */
function attempt(
  ctx: TownContext,
  what: string,
  deliver: (ctx: TownContext, d: RigDelivery) => Promise<TaskResult | DeferredResult>,
): TaskHandler {
  return async (task) => {
    const delivery = task.payload as RigDelivery;
    const started = performance.now();
    try {
      return await deliver(ctx, delivery);
    } catch (error) {
      const durationMs = Math.round(performance.now() - started);
      const message = error instanceof Error ? error.message : String(error);
      logEvent('warn', `convoy.${what}_retry`, {
        townId: ctx.townId,
        ...delivery,
        attempts: task.attempts + 1,
        durationMs,
        error: message,
      });
      throw error;
    }
  };
}

/** The TownDO's convoy task kinds (spread into its `taskHandlers()`). */
export function convoyTaskHandlers(ctx: TownContext): Record<string, TaskHandler> {
  return {
    [DELIVER_BEADS_TASK_KIND]: attempt(ctx, 'beads_delivery', deliverBeads),
    [DELIVER_CANCEL_TASK_KIND]: attempt(ctx, 'cancel_delivery', deliverCancel),
    [RETRY_FAILED_TASK_KIND]: attempt(ctx, 'retry_delivery', deliverRetry),
    [SET_PRIORITY_TASK_KIND]: attempt(ctx, 'priority_delivery', deliverPriority),
    [UNBLOCK_TASK_KIND]: (task) => deliverDependencyChange(ctx, task.payload as RigBeadsTask, 'unblock'),
    [SKIP_TASK_KIND]: (task) => deliverDependencyChange(ctx, task.payload as RigBeadsTask, 'skip'),
  };
}

/** Distinct rigs holding beads of a convoy (a cancel reads the convoy once; never on the close path). */
export function convoyRigIds({ db }: TownContext, convoyId: string): string[] {
  return db
    .selectDistinct({ rigId: convoyBeads.rigId })
    .from(convoyBeads)
    .where(eq(convoyBeads.convoyId, convoyId))
    .all()
    .map((r) => r.rigId);
}
