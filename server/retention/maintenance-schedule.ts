import type { TownContext } from '../core/context';
import { scheduleTask } from '../core/scheduler';

// The town's storage maintenance (retention and the storage watch) is one recurring task, started
// with the heartbeat when a rig registers: a town with rigs keeps itself bounded.

export const MAINTENANCE_TASK_ID = 'storage.maintenance';
export const MAINTENANCE_TASK_KIND = 'storage.maintenance';
/** Between maintenance runs when nothing is left to prune. */
export const MAINTENANCE_INTERVAL_MS = 15 * 60 * 1000;

/** Starts the maintenance (an already scheduled run keeps its time). */
export function scheduleMaintenance(ctx: TownContext): void {
  scheduleTask(ctx.db, { id: MAINTENANCE_TASK_ID, kind: MAINTENANCE_TASK_KIND, dueAt: ctx.now().getTime() + MAINTENANCE_INTERVAL_MS });
}
