import type { TaskHandler } from '../core/scheduler';
import { servedTownId } from './beads';
import { LEASE_TASK_KIND } from './claims';
import { leaseTask } from './outcomes';
import { sendReports, TOWN_REPORTS_TASK_KIND } from './reports';
import type { RigContext } from './rig-context';
import { rigTaskHandlers } from './town-notify';

/** Every scheduled task kind of the RigDO, for its alarm. */
export function allRigTaskHandlers(ctx: RigContext): Record<string, TaskHandler> {
  return {
    ...rigTaskHandlers(ctx),
    [LEASE_TASK_KIND]: (task) => leaseTask(ctx, task.payload as { beadId: string }),
    [TOWN_REPORTS_TASK_KIND]: () => sendReports(ctx, servedTownId(ctx)),
  };
}
