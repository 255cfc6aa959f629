import type { TownContext } from '../core/context';
import { scheduleTask } from '../core/scheduler';

// The event log's pruning task: one row in the scheduler's table (apart from prune.ts, so the town's
// settings can move it without importing what prune.ts imports).

export const EVENT_PRUNE_TASK_ID = 'events.prune';
export const EVENT_PRUNE_TASK_KIND = 'events.prune';

/** Runs the pruning at once (a shortened retention takes effect now rather than at the next expiry). */
export function schedulePruneNow({ db, now }: TownContext): void {
  scheduleTask(db, { id: EVENT_PRUNE_TASK_ID, kind: EVENT_PRUNE_TASK_KIND, dueAt: now().getTime(), replace: true });
}
