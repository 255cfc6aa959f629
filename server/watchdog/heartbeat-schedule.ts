import { cancelTask, scheduledTask, scheduleTask } from '../scheduler';
import type { TownContext } from '../town/context';

// The heartbeat is one recurring row in the scheduler's table, sharing the TownDO's one alarm with
// every other due task: the alarm is always the earliest row, so a due delivery is never pushed back.

export const HEARTBEAT_TASK_ID = 'heartbeat';
export const HEARTBEAT_TASK_KIND = 'watchdog.heartbeat';
export const HEARTBEAT_INTERVAL_MS = 3 * 60 * 1000;

/** Starts the town's heartbeat (called when a rig is registered); an already scheduled one keeps its time. */
export function ensureHeartbeat({ db, now }: TownContext): void {
  scheduleTask(db, { id: HEARTBEAT_TASK_ID, kind: HEARTBEAT_TASK_KIND, dueAt: now().getTime() + HEARTBEAT_INTERVAL_MS });
}

/** After a heartbeat: the next one an interval from now, or none for a town without rigs. */
export function scheduleNextHeartbeat({ db, now }: TownContext, townHasRigs: boolean): void {
  if (!townHasRigs) {
    cancelTask(db, HEARTBEAT_TASK_ID);
    return;
  }
  scheduleTask(db, { id: HEARTBEAT_TASK_ID, kind: HEARTBEAT_TASK_KIND, dueAt: now().getTime() + HEARTBEAT_INTERVAL_MS, replace: true });
}

/** Epoch ms of the next heartbeat, or null when none is scheduled. */
export function nextHeartbeatAt({ db }: TownContext): number | null {
  return scheduledTask(db, HEARTBEAT_TASK_ID)?.dueAt ?? null;
}
