import { and, eq, sql } from 'drizzle-orm';
import { convoyBeads, convoys } from '../../schema/town';
import { DomainError, notFound } from '../core/errors';
import { appendEvent } from '../core/event-log';
import { logEvent } from '../core/log';
import { scheduleTask, TASK_RETRY_BACKOFF_MS } from '../core/scheduler';
import { type ConvoyContext, deliverNow, RETRY_FAILED_TASK_KIND } from './delivery';
import { reopenSkippedDependents } from './dependencies';
import { scheduleStrandedCheck } from './progress';
import { reopenFailedInRigProgress } from './rig-progress';
import { convoyFailedKey, resolveTownEscalation } from './town-escalations';
import { type Convoy, toConvoy } from './views';

// `convoy.retryFailed`: a failed convoy's failed beads open again with a fresh attempt budget. The town
// reopens its rows and counters in one transaction with one task per rig that tells the rig (durably,
// retried by the alarm like a delivery); the rig reopens its failed beads of the convoy (idempotent).

const retryTaskId = (convoyId: string, rigId: string) => `convoy.retry:${convoyId}:${rigId}`;

export async function retryFailed(ctx: ConvoyContext, convoyId: string): Promise<Convoy> {
  const { db } = ctx;
  const { convoy, taskIds } = db.transaction(() => {
    const current = db.select().from(convoys).where(eq(convoys.id, convoyId)).get();
    if (!current) throw notFound('convoy', convoyId);
    if (current.status !== 'failed') throw new DomainError('CONFLICT', `convoy ${convoyId} is ${current.status}, not failed`);
    // O(failed beads): the convoy's rows are read along its primary key, the failed ones reopened.
    const reopened = db
      .update(convoyBeads)
      // One generation on, as the rig counts them: a late copy of the old close notice no longer counts.
      .set({ status: 'open', outcome: null, attempt: 0, heldBy: null, generation: sql`${convoyBeads.generation} + 1` })
      .where(and(eq(convoyBeads.convoyId, convoyId), eq(convoyBeads.outcome, 'failed')))
      .returning({ rigId: convoyBeads.rigId })
      .all();
    const byRig = new Map<string, number>();
    for (const { rigId } of reopened) byRig.set(rigId, (byRig.get(rigId) ?? 0) + 1);
    // Beads skipped because one of these failed wait on them again (after the reopening above).
    const dependents = reopenSkippedDependents(ctx, convoyId);
    const rigIds = new Set([...byRig.keys(), ...dependents.perRig.keys()]);
    const now = ctx.now();
    const convoy = db
      .update(convoys)
      .set({
        status: 'active',
        failedAt: null,
        closedBeads: sql`${convoys.closedBeads} - ${reopened.length + dependents.reopened}`,
        failedBeads: 0,
        skippedBeads: sql`${convoys.skippedBeads} - ${dependents.reopened}`,
        blockedBeads: sql`${convoys.blockedBeads} + ${dependents.blocked}`,
        rigProgress: reopenFailedInRigProgress(byRig, dependents.perRig),
        lastProgressAt: now.toISOString(),
      })
      .where(eq(convoys.id, convoyId))
      .returning()
      .get();
    if (!convoy) throw new Error(`convoy ${convoyId} vanished while retried`);
    resolveTownEscalation(ctx, convoyFailedKey(convoyId), 'failed beads retried');
    scheduleStrandedCheck(ctx, convoyId, now.getTime());
    appendEvent(ctx, {
      type: 'convoy.retried',
      convoyId,
      data: { reopened: reopened.length, rigs: rigIds.size, ...(dependents.reopened > 0 ? { dependents: dependents.reopened } : {}) },
    });
    logEvent('info', 'convoy.retried', { townId: ctx.townId, convoyId, reopened: reopened.length });
    const taskIds = [...rigIds].map((rigId) => {
      const id = retryTaskId(convoyId, rigId);
      scheduleTask(db, { id, kind: RETRY_FAILED_TASK_KIND, dueAt: now.getTime() + TASK_RETRY_BACKOFF_MS[0], payload: { convoyId, rigId } });
      return id;
    });
    return { convoy, taskIds };
  });
  await deliverNow(ctx, taskIds);
  return toConvoy(convoy, ctx.now());
}
