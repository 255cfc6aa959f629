import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { like } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/durable-sqlite';
import { vi } from 'vitest';
import * as rigSchema from '../../schema/rig';
import * as townSchema from '../../schema/town';
import { client, newTownId, withTownDb } from '../helpers';

export const api = client();

export const rigDo = (townId: string, rigId: string) => env.RIG.get(env.RIG.idFromName(`${townId}/${rigId}`));

/** A fresh town with registered rigs, by name. */
export async function townWithRigs<Name extends string>(...names: Name[]) {
  const townId = newTownId('convoy');
  const rigs = {} as Record<Name, string>;
  for (const name of names) rigs[name] = (await api.rig.register.mutate({ townId, name })).id;
  return { townId, rigs };
}

/** `n` bead inputs for one rig, titled `${prefix}-0`…. */
export const beadsFor = (rigId: string, n: number, prefix = 'bead') =>
  Array.from({ length: n }, (_, i) => ({ rigId, title: `${prefix}-${i}` }));

/** The TownDO's database, read from inside the real instance. */
export function inRigDb<R>(townId: string, rigId: string, fn: (db: ReturnType<typeof drizzle<typeof rigSchema>>) => R | Promise<R>) {
  return runInDurableObject(rigDo(townId, rigId), (_i, state) => fn(drizzle(state.storage, { schema: rigSchema })));
}

/** The town's convoy tasks (other concerns, such as the watchdog's heartbeat, share the schedule table). */
export const townTasks = (townId: string) =>
  withTownDb(townId, (db) => db.select().from(townSchema.schedule).where(like(townSchema.schedule.kind, 'convoy.%')).all());
export const rigTasks = (townId: string, rigId: string) => inRigDb(townId, rigId, (db) => db.select().from(rigSchema.schedule).all());

type Stub = DurableObjectStub<Rpc.DurableObjectBranded>;

/**
 * Makes one RPC method of the real DO instance behind `stub` misbehave until the returned restore is
 * called. RPC only dispatches to prototype methods, so the prototype is patched, for that instance only.
 * `mode: 'before'` throws without running the method (the DO is down); `'after'` runs it and then
 * throws (the work happened but the answer was lost); `'count'` only counts the calls.
 */
export async function breakMethod(stub: Stub, method: string, mode: 'before' | 'after' | 'count' = 'before') {
  let calls = 0;
  const restore = await runInDurableObject(stub, (instance) => {
    const proto = Object.getPrototypeOf(instance) as Record<string, (...args: unknown[]) => unknown>;
    const original = proto[method];
    if (!original) throw new Error(`no method ${method}`);
    proto[method] = async function (this: unknown, ...args: unknown[]) {
      if (this !== instance) return original.apply(this, args);
      calls += 1;
      if (mode === 'count') return original.apply(this, args);
      if (mode === 'after') await original.apply(this, args);
      throw new Error(`injected failure in ${method}`);
    };
    return () => {
      proto[method] = original;
    };
  });
  return { restore, calls: () => calls };
}

// Each run jumps further ahead than the last, past any backoff (≤ 10 min) a previous run scheduled.
const ALARM_JUMP_MS = 60 * 60_000;
let alarmJumps = 0;

/** Runs the DO's alarm as if time had moved past every retry scheduled so far (the scheduler only runs due tasks). */
export async function runAlarmLater(stub: Stub) {
  alarmJumps += 1;
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.now() + alarmJumps * ALARM_JUMP_MS);
  try {
    return await runDurableObjectAlarm(stub);
  } finally {
    vi.useRealTimers();
  }
}

/** Silences the error logs a test provokes on purpose. */
export function quietErrors() {
  const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
  return () => spy.mockRestore();
}

/** Whether each convoy bead has reached its rig, by the rig's delivery watermark; keyed by bead id. */
export function deliveredBeads(db: ReturnType<typeof drizzle<typeof townSchema>>): Map<string, boolean> {
  const marks = new Map(
    db
      .select()
      .from(townSchema.convoyRigDeliveries)
      .all()
      .map((d) => [`${d.convoyId}/${d.rigId}`, d.deliveredThrough]),
  );
  return new Map(
    db
      .select()
      .from(townSchema.convoyBeads)
      .all()
      .map((b) => [b.beadId, b.position <= (marks.get(`${b.convoyId}/${b.rigId}`) ?? -1)]),
  );
}
