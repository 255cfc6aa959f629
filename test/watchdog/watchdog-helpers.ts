import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import * as schema from '../../schema/town';
import { TEST_HOOKS } from '../../server/town/test-hooks';
import { DEFAULT_WATCHDOG_OPTIONS, type WatchdogOptions } from '../../server/watchdog/watchdog';
import { townStub, withTownDb } from '../helpers';

/** Sets the live TownDO's watchdog options (timeouts, threshold, history cap) for this test. */
export function tuneWatchdog(townId: string, options: Partial<WatchdogOptions>) {
  return runInDurableObject(townStub(townId), (instance) => {
    instance[TEST_HOOKS]().tuneWatchdog({ ...DEFAULT_WATCHDOG_OPTIONS, ...options });
  });
}

/** Runs `fn` over the town's database, inside its DO. */
export function escalationsOf(townId: string) {
  return withTownDb(townId, (db) => db.select().from(schema.escalations).orderBy(schema.escalations.createdAt).all());
}

const HEALTH_BEHAVIOURS = {
  throw: () => {
    throw new Error('injected fault: rig storage is corrupt');
  },
  hang: () => new Promise(() => {}),
  unhealthy: () => ({ ok: false, reason: 'disk full' }),
};
const patched = Symbol('patched health');

/**
 * Fault injection on a real Rig DO: the live instance gets a prototype of its own whose `health()`
 * throws, hangs or reports unhealthy (RPC only reaches prototype methods); `heal` puts the class back.
 */
export function setRigHealth(rigDoId: string, behaviour: keyof typeof HEALTH_BEHAVIOURS | 'heal') {
  const stub = env.RIG.get(env.RIG.idFromString(rigDoId));
  return runInDurableObject(stub, (instance) => {
    const proto = Object.getPrototypeOf(instance);
    const classProto = Object.hasOwn(proto, patched) ? Object.getPrototypeOf(proto) : proto;
    if (behaviour === 'heal') Object.setPrototypeOf(instance, classProto);
    else
      Object.setPrototypeOf(
        instance,
        Object.create(classProto, { health: { value: HEALTH_BEHAVIOURS[behaviour] }, [patched]: { value: true } }),
      );
  });
}
