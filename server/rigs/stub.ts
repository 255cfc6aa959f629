import { rigDoIdFor } from './registry';

/** The RigDO of rig `rigId` in town `townId`. */
export function rigStub(env: Env, townId: string, rigId: string) {
  return env.RIG.get(rigDoIdFor(env, townId, rigId));
}
