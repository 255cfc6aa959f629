import { withTimeout } from '../core/timeout';
import { rigDoIdFor } from '../rigs/registry';
import { type CheckResult, timedCheck } from './health-check';

export interface RigRef {
  id: string;
  name: string;
  rigDoId: string;
}

/**
 * Asks one Rig DO for its health. A throw, a timeout or an `ok: false` answer is `unhealthy`. The DO is
 * reached by its name, as every call reaches it (that is how it learns its town, core/identity.ts);
 * a registry row whose stored `rigDoId` no longer names that DO is corrupt, and only its check fails.
 */
export function checkRig(env: Env, townId: string, rig: RigRef, timeoutMs: number): Promise<CheckResult> {
  return timedCheck(async () => {
    const id = rigDoIdFor(env, townId, rig.id);
    if (id.toString() !== rig.rigDoId) throw new Error(`rig ${rig.name}: its stored rigDoId does not name its Durable Object`);
    const stub = env.RIG.get(id);
    const answer: unknown = await withTimeout(Promise.resolve(stub.health()), timeoutMs, `rig ${rig.name} health()`);
    if (typeof answer === 'object' && answer !== null && (answer as { ok?: unknown }).ok === false) {
      return { status: 'unhealthy', error: `rig ${rig.name} reported unhealthy: ${JSON.stringify(answer).slice(0, 300)}` };
    }
    return { status: 'healthy', error: null };
  });
}

/** Checks every rig at once: the slowest rig bounds the wait, so a hung rig costs one timeout, not the sum. */
export function checkRigs(env: Env, townId: string, rigs: readonly RigRef[], timeoutMs: number): Promise<CheckResult[]> {
  return Promise.all(rigs.map((rig) => checkRig(env, townId, rig, timeoutMs)));
}
