import { withTimeout } from '../core/timeout';
import { type CheckResult, timedCheck } from './health-check';

export interface RigRef {
  id: string;
  name: string;
  rigDoId: string;
}

/** Asks one Rig DO for its health. A throw, a timeout or an `ok: false` answer is `unhealthy`. */
export function checkRig(env: Env, rig: RigRef, timeoutMs: number): Promise<CheckResult> {
  return timedCheck(async () => {
    // A corrupt `rig_do_id` throws here, and only this rig's check fails.
    const stub = env.RIG.get(env.RIG.idFromString(rig.rigDoId));
    const answer: unknown = await withTimeout(Promise.resolve(stub.health()), timeoutMs, `rig ${rig.name} health()`);
    if (typeof answer === 'object' && answer !== null && (answer as { ok?: unknown }).ok === false) {
      return { status: 'unhealthy', error: `rig ${rig.name} reported unhealthy: ${JSON.stringify(answer).slice(0, 300)}` };
    }
    return { status: 'healthy', error: null };
  });
}

/** Checks every rig at once: the slowest rig bounds the wait, so a hung rig costs one timeout, not the sum. */
export function checkRigs(env: Env, rigs: readonly RigRef[], timeoutMs: number): Promise<CheckResult[]> {
  return Promise.all(rigs.map((rig) => checkRig(env, rig, timeoutMs)));
}
