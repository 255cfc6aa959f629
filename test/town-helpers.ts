import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { lte } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/durable-sqlite';
import * as schema from '../schema/town';
import { client, newTownId } from './helpers';

// Helpers for tests that drive a TownDO's outbox and alarm.

const api = client();

export function townStubFor(townId: string) {
  return env.TOWN.get(env.TOWN.idFromName(townId));
}

/** A fresh town with one registered rig. */
export async function townWithRig(label = 'esc') {
  const townId = newTownId(label);
  const rig = await api.rig.register.mutate({ townId, name: 'alpha' });
  return { townId, rigId: rig.id, stub: townStubFor(townId) };
}

/** Reads the TownDO's database directly (test-only inspection). */
export function inspectTown<R>(townId: string, fn: (db: ReturnType<typeof drizzle<typeof schema>>) => R | Promise<R>) {
  return runInDurableObject(townStubFor(townId), (_instance, state) => fn(drizzle(state.storage, { schema })));
}

const MAX_ALARM_RUNS = 50;

/**
 * Runs the town's alarm until nothing is due at the (possibly faked) current time. The alarm may also
 * fire on its own when it is due in real time; then this waits for that run to finish.
 */
export async function settle(townId: string): Promise<void> {
  const stub = townStubFor(townId);
  for (let run = 0; run < MAX_ALARM_RUNS; run++) {
    const now = Date.now();
    const due = await inspectTown(townId, (db) => db.select().from(schema.schedule).where(lte(schema.schedule.dueAt, now)).all());
    if (due.length === 0) return;
    if (!(await runDurableObjectAlarm(stub))) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`town ${townId} still had due work after ${MAX_ALARM_RUNS} alarm runs`);
}

export function outboxRows(townId: string) {
  return inspectTown(townId, (db) => db.select().from(schema.outbox).all());
}
