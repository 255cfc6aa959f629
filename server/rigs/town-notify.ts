import type { BeadOutcome } from '../../schema/rig';
import { logEvent } from '../core/log';
import type { TaskHandler } from '../core/scheduler';
import { PEER_CALL_TIMEOUT_MS, withTimeout } from '../core/timeout';
import { townStub } from '../core/town-stub';
import type { RigContext } from './rig-context';

export const BEAD_CLOSED_TASK_KIND = 'town.beadClosed';

/** What the TownDO must hear when a convoy's bead closes in this rig. */
export interface BeadClosedNotice {
  townId: string;
  convoyId: string;
  beadId: string;
  /** Absent in notices committed before outcomes existed: `done`. */
  outcome?: BeadOutcome;
  attempt?: number;
  reason?: string | null;
  ref?: string | null;
  /** How many times convoy.retryFailed had reopened the bead (absent in notices from before: 0). */
  generation?: number;
}

type TownAnswer = Awaited<ReturnType<ReturnType<typeof townStub>['onBeadClosed']>>;

/** One task per closed bead: re-closing schedules the same id, so the town hears it once per close. */
export const beadClosedTaskId = (beadId: string) => `bead-closed:${beadId}`;

/**
 * Tells the TownDO a convoy bead closed. A throw (town unreachable, overloaded, reset) leaves the task
 * scheduled and the alarm retries it with backoff. A refusal (the town does not know the convoy or the
 * bead) is final: retrying cannot change it, so it is logged as an error for an operator instead.
 */
async function notifyBeadClosed({ env, rigId }: RigContext, notice: BeadClosedNotice, attempts: number): Promise<undefined> {
  const started = performance.now();
  const fields = () => ({ ...notice, rigId, attempts, durationMs: Math.round(performance.now() - started) });
  let result: TownAnswer;
  try {
    result = await withTimeout<TownAnswer>(
      townStub(env, notice.townId).onBeadClosed(notice.townId, notice.convoyId, notice.beadId, {
        outcome: notice.outcome ?? 'done',
        attempt: notice.attempt ?? null,
        reason: notice.reason ?? null,
        ref: notice.ref ?? null,
        generation: notice.generation ?? 0,
      }),
      PEER_CALL_TIMEOUT_MS,
      `town ${notice.townId} onBeadClosed`,
    );
  } catch (error) {
    logEvent('warn', 'rig.bead_closed.retry', { ...fields(), error: error instanceof Error ? error.message : String(error) });
    throw error;
  }
  if (!result.ok) logEvent('error', 'rig.bead_closed.refused', { ...fields(), code: result.code, message: result.message });
  else logEvent('info', 'rig.bead_closed.delivered', { ...fields(), convoyStatus: result.value.status });
  return undefined;
}

/** The close notices' task kind (rig-tasks.ts has every kind, for the alarm). */
export function rigTaskHandlers(ctx: RigContext): Record<string, TaskHandler> {
  return { [BEAD_CLOSED_TASK_KIND]: (task) => notifyBeadClosed(ctx, task.payload as BeadClosedNotice, task.attempts + 1) };
}
