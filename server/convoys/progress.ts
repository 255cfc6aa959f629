import { and, eq, sql } from 'drizzle-orm';
import { convoys } from '../../schema/town';
import type { TownContext } from '../core/context';
import { appendEvent } from '../core/event-log';
import { cancelTask, scheduleTask, type Task, type TaskResult } from '../core/scheduler';
import { getSettings } from '../core/settings';
import { MINUTE_MS } from '../core/time';
import { convoyStrandedKey, raiseTownEscalation, resolveTownEscalation } from './town-escalations';

// Progress and stranded convoys. Every claim, renewal, attempt or close of a convoy's beads is progress:
// it stamps `last_progress_at` on the convoy's row (a close writes that row anyway: no extra write).
// Each active convoy has one stranded check (a scheduler task); when it comes due it re-arms itself to
// `last_progress_at + strandedAfterMinutes` if there was progress since, else raises the stranded
// escalation. Cost: one task per active convoy, run only when due (never a scan of all convoys).

export const STRANDED_TASK_KIND = 'stranded.check';
const strandedTaskId = (convoyId: string) => `stranded:${convoyId}`;

/** (Re)arms the convoy's stranded check `strandedAfterMinutes` after `fromMs`. */
export function scheduleStrandedCheck(ctx: TownContext, convoyId: string, fromMs: number): void {
  const dueAt = fromMs + getSettings(ctx).strandedAfterMinutes * MINUTE_MS;
  scheduleTask(ctx.db, { id: strandedTaskId(convoyId), kind: STRANDED_TASK_KIND, dueAt, payload: { convoyId }, replace: true });
}

/** The convoy settled (landed, failed, cancelled): no more checks, and its stranded escalation resolves. */
export function stopStrandedCheck(ctx: TownContext, convoyId: string, reason: string): void {
  cancelTask(ctx.db, strandedTaskId(convoyId));
  resolveTownEscalation(ctx, convoyStrandedKey(convoyId), reason);
}

/** Progress of an active convoy at `at`; inside the caller's transaction. */
export function noteProgress(ctx: TownContext, convoyId: string, at: string): void {
  const row = ctx.db
    .update(convoys)
    .set({ lastProgressAt: sql`max(coalesce(${convoys.lastProgressAt}, ''), ${at})` })
    .where(and(eq(convoys.id, convoyId), eq(convoys.status, 'active')))
    .returning({ id: convoys.id })
    .get();
  if (row) progressMade(ctx, convoyId, at);
}

/**
 * After `last_progress_at` was stamped: a stranded escalation resolves, and the check (which ended when
 * it raised) is armed again. One index probe when there is none.
 */
export function progressMade(ctx: TownContext, convoyId: string, at: string): void {
  if (resolveTownEscalation(ctx, convoyStrandedKey(convoyId), 'progress')) scheduleStrandedCheck(ctx, convoyId, Date.parse(at));
}

/** The stranded check came due: no progress since, open beads left → the escalation (once). */
export function strandedTask(ctx: TownContext, task: Task): TaskResult {
  const { convoyId } = task.payload as { convoyId: string };
  return ctx.db.transaction((): TaskResult => {
    const convoy = ctx.db.select().from(convoys).where(eq(convoys.id, convoyId)).get();
    if (convoy?.status !== 'active' || convoy.closedBeads >= convoy.totalBeads) return undefined;
    const since = convoy.lastProgressAt ?? convoy.createdAt;
    const minutes = getSettings(ctx).strandedAfterMinutes;
    const dueAt = Date.parse(since) + minutes * MINUTE_MS;
    if (dueAt > ctx.now().getTime()) return { retryAt: dueAt }; // progress or a longer setting since it was armed
    const open = convoy.totalBeads - convoy.closedBeads;
    const raised = raiseTownEscalation(ctx, {
      dedupKey: convoyStrandedKey(convoyId),
      severity: 'medium',
      category: 'convoy',
      message: `Convoy "${convoy.title}" (${convoyId}) is stranded: ${open} open beads and no progress for ${minutes} minutes (since ${since}).`,
      convoyId,
    });
    if (!raised.deduplicated) {
      appendEvent(ctx, {
        type: 'convoy.stranded',
        convoyId,
        escalationId: raised.escalation.id,
        data: { openBeads: open, since, strandedAfterMinutes: minutes },
      });
    }
    return undefined;
  });
}
