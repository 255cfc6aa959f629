import { eq } from 'drizzle-orm';
import { escalations } from '../../schema/town';
import { cancelTask, scheduleTask, type Task, type TaskResult } from '../scheduler';
import { iso, type TownContext } from './context';
import { notifyEscalation } from './escalation-notify';
import { type Escalation, toEscalation } from './escalation-shape';
import { decideReEscalation, policyFrom } from './reescalation';
import { effectiveRouting } from './routing';

// Re-escalation runs on the TownDO's one alarm: each open escalation has one scheduled task, due at
// its next bump. The task re-reads the escalation and the town's policy when it runs, so an
// acknowledgement or a changed threshold in between is respected.

export const REESCALATE_TASK_KIND = 'escalation.reescalate';
const taskId = (escalationId: string) => `escalation.reescalate:${escalationId}`;

function decide(ctx: TownContext, escalation: Escalation) {
  const state = { ...escalation, createdAtMs: Date.parse(escalation.createdAt) };
  return decideReEscalation(state, policyFrom(effectiveRouting(ctx)), ctx.now().getTime());
}

/** Schedules the escalation's next bump, or nothing if it can never move. Call in the transaction that wrote it. */
export function scheduleReEscalation(ctx: TownContext, escalation: Escalation): void {
  const decision = decide(ctx, escalation);
  if (decision.kind === 'never') return;
  const dueAt = decision.kind === 'wait' ? decision.untilMs : ctx.now().getTime();
  scheduleTask(ctx.db, {
    id: taskId(escalation.id),
    kind: REESCALATE_TASK_KIND,
    dueAt,
    payload: { escalationId: escalation.id },
    replace: true,
  });
}

export function cancelReEscalation(ctx: TownContext, escalationId: string): void {
  cancelTask(ctx.db, taskId(escalationId));
}

/** The `escalation.reescalate` task: bump once if due (routing it again), then wait for the next bump. */
export function reEscalateTask(ctx: TownContext, task: Task): TaskResult {
  const { escalationId } = task.payload as { escalationId: string };
  const row = ctx.db.select().from(escalations).where(eq(escalations.id, escalationId)).get();
  if (!row) return undefined;
  const decision = decide(ctx, toEscalation(row));
  if (decision.kind === 'never') return undefined;
  if (decision.kind === 'wait') return { retryAt: decision.untilMs };
  const bumped = ctx.db.transaction(() => {
    const updated = ctx.db
      .update(escalations)
      .set({ severity: decision.to, reEscalationCount: row.reEscalationCount + 1, lastReEscalatedAt: iso(ctx.now()) })
      .where(eq(escalations.id, row.id))
      .returning()
      .get();
    if (!updated) throw new Error(`escalation ${row.id} vanished while being re-escalated`);
    const escalation = toEscalation(updated);
    notifyEscalation(ctx, escalation, 'escalation.reescalated', { previousSeverity: row.severity });
    return escalation;
  });
  // One bump per run; an overdue next bump (the alarm ran very late) runs on the next alarm.
  const next = decide(ctx, bumped);
  if (next.kind === 'never') return undefined;
  return { retryAt: next.kind === 'wait' ? next.untilMs : ctx.now().getTime() };
}
