import { eq } from 'drizzle-orm';
import { convoys } from '../../schema/town';
import { notFound } from '../core/errors';
import { appendEvent } from '../core/event-log';
import { logEvent } from '../core/log';
import { scheduleTask, TASK_RETRY_BACKOFF_MS } from '../core/scheduler';
import { type ConvoyContext, convoyRigIds, deliverNow, SET_PRIORITY_TASK_KIND } from './delivery';
import { type Convoy, toConvoy } from './views';

// `convoy.setPriority`: the town writes the convoy's priority and, in the same transaction, one task
// per rig holding its beads (retried by the alarm like a delivery). The task sends the convoy's
// priority as the town holds it when the task runs, so a later change is never overtaken by an
// earlier one; beads delivered later carry the current priority with their policy.

const priorityTaskId = (convoyId: string, rigId: string) => `convoy.priority:${convoyId}:${rigId}`;

export async function setPriority(ctx: ConvoyContext, input: { convoyId: string; priority: number }): Promise<Convoy> {
  const { db } = ctx;
  const { convoy, taskIds } = db.transaction(() => {
    const current = db.select().from(convoys).where(eq(convoys.id, input.convoyId)).get();
    if (!current) throw notFound('convoy', input.convoyId);
    const convoy = db.update(convoys).set({ priority: input.priority }).where(eq(convoys.id, current.id)).returning().get();
    if (!convoy) throw new Error(`convoy ${current.id} vanished while its priority was set`);
    appendEvent(ctx, {
      type: 'convoy.priority_set',
      convoyId: current.id,
      data: { priority: input.priority, previousPriority: current.priority },
    });
    logEvent('info', 'convoy.priority_set', {
      townId: ctx.townId,
      convoyId: current.id,
      priority: input.priority,
      previousPriority: current.priority,
    });
    const dueAt = ctx.now().getTime() + TASK_RETRY_BACKOFF_MS[0];
    const taskIds = convoyRigIds(ctx, current.id).map((rigId) => {
      const id = priorityTaskId(current.id, rigId);
      scheduleTask(db, { id, kind: SET_PRIORITY_TASK_KIND, dueAt, payload: { convoyId: current.id, rigId } });
      return id;
    });
    return { convoy, taskIds };
  });
  await deliverNow(ctx, taskIds);
  return toConvoy(convoy, ctx.now());
}
