import { and, eq, ne } from 'drizzle-orm';
import { escalations } from '../../schema/town';
import { iso, type TownContext } from '../core/context';
import { cancelTask, scheduleTask, type Task, type TaskResult } from '../core/scheduler';
import { routeEscalation } from './grouping';
import { decideReEscalation, policyFrom, type ReEscalationPolicy } from './reescalation';
import { effectiveRouting } from './routing';
import type { EscalationRow } from './shape';

// Re-escalation runs on the TownDO's one alarm: each open escalation has one scheduled task, due at
// its next bump. The task re-reads the escalation and the town's policy when it runs, so an
// acknowledgement or a resolve in between is respected; a changed policy (threshold or cap) also moves
// the task of every open escalation when it is set (rescheduleOpenEscalations), since a task due later
// than the new policy's next bump, or none at all under a cap of 0, would never run in time.

export const REESCALATE_TASK_KIND = 'escalation.reescalate';
const taskId = (escalationId: string) => `escalation.reescalate:${escalationId}`;

export type EscalationTiming = Pick<
  EscalationRow,
  'id' | 'severity' | 'acknowledged' | 'reEscalationCount' | 'createdAt' | 'resolvedAt' | 'silencedBy' | 'inhibitedBy' | 'clockFrom'
>;

const timingColumns = {
  id: escalations.id,
  severity: escalations.severity,
  acknowledged: escalations.acknowledged,
  reEscalationCount: escalations.reEscalationCount,
  createdAt: escalations.createdAt,
  resolvedAt: escalations.resolvedAt,
  silencedBy: escalations.silencedBy,
  inhibitedBy: escalations.inhibitedBy,
  clockFrom: escalations.clockFrom,
};

function decide(ctx: TownContext, escalation: EscalationTiming, policy = policyFrom(effectiveRouting(ctx))) {
  const state = {
    severity: escalation.severity,
    acknowledged: escalation.acknowledged,
    quiet: escalation.resolvedAt !== null || escalation.silencedBy !== null || escalation.inhibitedBy !== null,
    reEscalationCount: escalation.reEscalationCount,
    createdAtMs: Date.parse(escalation.clockFrom ?? escalation.createdAt),
  };
  return decideReEscalation(state, policy, ctx.now().getTime());
}

/**
 * Schedules the escalation's next bump at its due time (moving an existing task earlier or later), or
 * cancels its task if it can never move. Call in the transaction that wrote the escalation or the policy.
 */
export function scheduleReEscalation(ctx: TownContext, escalation: EscalationTiming, policy?: ReEscalationPolicy): void {
  const decision = decide(ctx, escalation, policy);
  if (decision.kind === 'never') {
    cancelReEscalation(ctx, escalation.id);
    return;
  }
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

/**
 * Reschedules every open escalation's task under a new `policy`. O(open escalations), one indexed
 * read and one write each: acceptable because only the admin call `setRouting` does it, and only when
 * the threshold or the cap actually changed. Call in the transaction that stored the policy.
 */
export function rescheduleOpenEscalations(ctx: TownContext, policy: ReEscalationPolicy): number {
  const open = ctx.db
    .select(timingColumns)
    .from(escalations)
    // Critical ones never move and have no task.
    .where(and(eq(escalations.status, 'open'), ne(escalations.severity, 'critical')))
    .all();
  for (const escalation of open) scheduleReEscalation(ctx, escalation, policy);
  return open.length;
}

/** The `escalation.reescalate` task: bump once if due (routing it again), then wait for the next bump. */
export function reEscalateTask(ctx: TownContext, task: Task): TaskResult {
  const { escalationId } = task.payload as { escalationId: string };
  const row = ctx.db.select().from(escalations).where(eq(escalations.id, escalationId)).get();
  if (!row) return undefined;
  const decision = decide(ctx, row);
  if (decision.kind === 'never') return undefined;
  if (decision.kind === 'wait') return { retryAt: decision.untilMs };
  const bumped = ctx.db.transaction(() => {
    const updated = ctx.db
      .update(escalations)
      .set({
        severity: decision.to,
        reEscalationCount: row.reEscalationCount + 1,
        lastReEscalatedAt: iso(ctx.now()),
      })
      .where(eq(escalations.id, row.id))
      .returning()
      .get();
    if (!updated) throw new Error(`escalation ${row.id} vanished while being re-escalated`);
    routeEscalation(ctx, updated, 'escalation.reescalated', { previousSeverity: row.severity });
    return updated;
  });
  // One bump per run; an overdue next bump (the alarm ran very late) runs on the next alarm.
  const next = decide(ctx, bumped);
  if (next.kind === 'never') return undefined;
  return { retryAt: next.kind === 'wait' ? next.untilMs : ctx.now().getTime() };
}
