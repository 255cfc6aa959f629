import type { TownContext } from '../core/context';
import { cancelTask, scheduledTask, scheduleTask } from '../core/scheduler';
import { MAINTENANCE_TASK_ID, scheduleMaintenance } from '../retention/maintenance-schedule';
import { type Rig, registerRig } from '../rigs/registry';

// The heartbeat is one recurring row in the scheduler's table, sharing the TownDO's one alarm with
// every other due task: the alarm is always the earliest row, so a due delivery is never pushed back.

export const HEARTBEAT_TASK_ID = 'heartbeat';
export const HEARTBEAT_TASK_KIND = 'watchdog.heartbeat';
export const HEARTBEAT_INTERVAL_MS = 3 * 60 * 1000;

/**
 * Registers a rig and, in the same transaction, starts the town's heartbeat: a town with rigs has a
 * pulse. An already scheduled heartbeat keeps its time. (Here, not in the registry, so the registry
 * does not depend on the watchdog.)
 */
export function registerRigWithHeartbeat(ctx: TownContext, input: { name: string }): Rig {
  return ctx.db.transaction(() => {
    const rig = registerRig(ctx, input);
    scheduleTask(ctx.db, { id: HEARTBEAT_TASK_ID, kind: HEARTBEAT_TASK_KIND, dueAt: ctx.now().getTime() + HEARTBEAT_INTERVAL_MS });
    scheduleMaintenance(ctx);
    return rig;
  });
}

/** After a heartbeat: the next one an interval from now, or none for a town without rigs. */
export function scheduleNextHeartbeat({ db, now }: TownContext, townHasRigs: boolean): void {
  if (!townHasRigs) {
    cancelTask(db, HEARTBEAT_TASK_ID);
    // Storage maintenance stops with the pulse; registering a rig starts both again.
    cancelTask(db, MAINTENANCE_TASK_ID);
    return;
  }
  scheduleTask(db, { id: HEARTBEAT_TASK_ID, kind: HEARTBEAT_TASK_KIND, dueAt: now().getTime() + HEARTBEAT_INTERVAL_MS, replace: true });
}

/** Epoch ms of the next heartbeat, or null when none is scheduled. */
export function nextHeartbeatAt({ db }: TownContext): number | null {
  return scheduledTask(db, HEARTBEAT_TASK_ID)?.dueAt ?? null;
}
