import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { lte } from 'drizzle-orm';
import * as schema from '../schema/town';
import type { TownDO } from '../server/town/town-do';
import { client, newTownId, townStub, withTownDb } from './helpers';

// Helpers for tests that drive a TownDO's outbox and alarm.

const api = client();

/** A fresh town with one registered rig. */
export async function townWithRig(label = 'esc') {
  const townId = newTownId(label);
  const rig = await api.rig.register.mutate({ townId, name: 'alpha' });
  return { townId, rigId: rig.id, stub: townStub(townId) };
}

const MAX_ALARM_RUNS = 100;

/**
 * Deliveries a run of the alarm has sent and not yet recorded. A run the runtime fired on its own can
 * hold one while our run finds it in flight and puts the task off, so nothing looks due meanwhile.
 */
function deliveriesInFlight(stub: ReturnType<typeof townStub>): Promise<number> {
  // biome-ignore lint/complexity/useLiteralKeys: a private field, read by the test only (main has a test hook for it)
  return runInDurableObject(stub, (town: TownDO) => town['deliveriesInFlight'].size);
}

/**
 * Runs the town's alarm until nothing is due at the (possibly faked) current time. The alarm may also
 * fire on its own when it is due in real time; then this waits for that run to finish.
 */
export async function settle(townId: string): Promise<void> {
  const stub = townStub(townId);
  for (let run = 0; run < MAX_ALARM_RUNS; run++) {
    const now = Date.now();
    const due = await withTownDb(townId, (db) => db.select().from(schema.schedule).where(lte(schema.schedule.dueAt, now)).all());
    if (due.length === 0 && (await deliveriesInFlight(stub)) === 0) return;
    if (due.length === 0 || !(await runDurableObjectAlarm(stub))) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`town ${townId} still had due work after ${MAX_ALARM_RUNS} alarm runs`);
}

export function outboxRows(townId: string) {
  return withTownDb(townId, (db) => db.select().from(schema.outbox).all());
}

/** The outbox rows of one escalation's own notifications (raised, bumps, upgrades, resumed, resolved; not groups). */
export async function outboxOf(townId: string, escalationId: string) {
  const rows = await outboxRows(townId);
  return rows.filter((r) => (r.payload.data as { escalation?: { id?: string } } | undefined)?.escalation?.id === escalationId);
}
