import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { inArray, notInArray } from 'drizzle-orm';
import { vi } from 'vitest';
import * as schema from '../schema/town';
import { HEARTBEAT_INTERVAL_MS } from '../server/watchdog/heartbeat-schedule';
import { api, beadsFor, deliveredBeads, rigDo, rigTasks, townWithRigs } from './convoys/convoy-helpers';
import { allRigBeads, townStub, withTownDb } from './helpers';
import { hookUrl, receivedHooks } from './receiver';
import { setRigHealth } from './watchdog/watchdog-helpers';

// The multi-step flows of the fault table (test/faults.test.ts), each runnable with a fault injected
// at a named point, and the end state they reach once recovery (alarms) has run: compared with the
// end state of the same flow run without a fault.

type Stub = DurableObjectStub<Rpc.DurableObjectBranded>;

export interface Run {
  townId: string;
  rigs: Record<string, string>;
  /** Undo the faults still in place (run before the caller retries and before recovery). */
  restores: (() => unknown)[];
  /** The next `emailFailures` sends throw; the sends that went through. */
  emailFailures: number;
  emailsSent: number;
  /** Calls that failed and were retried by the caller, as their tRPC code. */
  retriedCalls: string[];
  /** One per fault put in place: whether it really happened (a fault that never fired proves nothing). */
  fired: (() => boolean | Promise<boolean>)[];
}

/** Faults by the point of the flow at which they are put in place. */
export type Faults = Partial<Record<string, (run: Run) => Promise<unknown>>>;

export const mayorDo = (townId: string) => env.MAYOR.get(env.MAYOR.idFromName(townId));

/**
 * Makes the next call of `method` on the live instance behind `stub` throw (then it is itself again).
 * The DO runs in the test's isolate, so the returned `fired` sees whether that call happened.
 */
export async function throwOnce(stub: Stub, method: string) {
  let fired = false;
  await runInDurableObject(stub, (instance) => {
    const proto = Object.getPrototypeOf(instance);
    const once = () => {
      Object.setPrototypeOf(instance, proto);
      fired = true;
      throw new Error(`injected failure in ${method}`);
    };
    Object.setPrototypeOf(instance, Object.create(proto, { [method]: { value: once, configurable: true } }));
  });
  return { fired: () => fired };
}

/**
 * Runs the DO's alarm as if the clock read `offsetMs` from now. An alarm that throws is run again, as
 * the runtime retries a failed alarm (the DO re-arms in `finally`, so its due work is still there).
 */
export async function alarmAt(stub: Stub, offsetMs: number): Promise<void> {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.now() + offsetMs);
  try {
    await runDurableObjectAlarm(stub).catch(() => runDurableObjectAlarm(stub));
  } finally {
    vi.useRealTimers();
  }
}

const RECOVERY_STEP_MS = 40 * 60_000;
const RECOVERY_ROUNDS = 5; // at most 200 min ahead: before any re-escalation (240 min) is due
const DELIVERY_KINDS = ['outbox.deliver', 'convoy.deliverBeads', 'convoy.deliverCancel'];

async function pendingDeliveries(run: Run): Promise<number> {
  const town = await withTownDb(run.townId, (db) =>
    db.select().from(schema.schedule).where(inArray(schema.schedule.kind, DELIVERY_KINDS)).all(),
  );
  const rigs = await Promise.all(Object.values(run.rigs).map((rigId) => rigTasks(run.townId, rigId)));
  return town.length + rigs.flat().length;
}

/** Runs what is due, undoes the faults, then runs the alarms, each round further ahead than every retry so far, until nothing is owed. */
async function recover(run: Run, startMs: number): Promise<void> {
  // First the attempts due now (the outbox's first try), with the faults still in place.
  await alarmAt(townStub(run.townId), startMs);
  for (const restore of run.restores.splice(0).reverse()) await restore();
  for (let round = 1; round <= RECOVERY_ROUNDS; round++) {
    // Round 1 always runs, so every run (faulted or not) has had a heartbeat from the alarm.
    if (round > 1 && (await pendingDeliveries(run)) === 0) return;
    const offset = startMs + round * RECOVERY_STEP_MS;
    await alarmAt(townStub(run.townId), offset);
    for (const rigId of Object.values(run.rigs)) await alarmAt(rigDo(run.townId, rigId), offset);
  }
  throw new Error(`town ${run.townId} still owed deliveries after ${RECOVERY_ROUNDS} recovery rounds`);
}

/** What a flow leaves behind, without ids or times, so a faulted run can be compared with a clean one. */
async function endState(run: Run) {
  const { townId } = run;
  const town = await withTownDb(townId, (db) => ({
    convoys: db
      .select()
      .from(schema.convoys)
      .all()
      .map((c) => ({
        title: c.title,
        status: c.status,
        closedBeads: c.closedBeads,
        totalBeads: c.totalBeads,
        landed: c.landedAt !== null,
      })),
    convoyBeads: (() => {
      const delivered = deliveredBeads(db);
      return db
        .select()
        .from(schema.convoyBeads)
        .all()
        .map((b) => `${b.title}:${b.status}:delivered=${delivered.get(b.beadId)}`)
        .sort();
    })(),
    escalations: db
      .select()
      .from(schema.escalations)
      .all()
      .map((e) => ({ severity: e.severity, category: e.category, message: e.message.replace(/\(.*?\)/, ''), count: e.reEscalationCount })),
    outbox: db
      .select()
      .from(schema.outbox)
      .all()
      .map((r) => `${r.type}:${r.channel}:${r.status}`)
      .sort(),
    health: db
      .select()
      .from(schema.healthTargets)
      .all()
      .map((t) => `${t.kind}:${t.status}:${t.consecutiveFailures}:escalated=${t.escalationId !== null}`)
      .sort(),
    tasks: db
      .select({ kind: schema.schedule.kind })
      .from(schema.schedule)
      // Recurring housekeeping (the pulse, the event log's pruning, storage maintenance) is not part of a flow's end state.
      .where(notInArray(schema.schedule.kind, ['watchdog.heartbeat', 'events.prune', 'storage.maintenance']))
      .all()
      .map((t) => t.kind)
      .sort(),
  }));
  const rigBeads: Record<string, string[]> = {};
  for (const [name, rigId] of Object.entries(run.rigs)) {
    const beads = await allRigBeads({ townId, rigId });
    rigBeads[name] = beads.map((b) => `${b.title}:${b.status}:${b.closeReason}`).sort();
  }
  const hooks = (await receivedHooks(townId)).filter((h) => h.status === 200);
  const hookIds = hooks.map((h) => h.headers['webhook-id']);
  return {
    ...town,
    rigBeads,
    rigTasks: (await Promise.all(Object.values(run.rigs).map((rigId) => rigTasks(townId, rigId)))).flat().length,
    mail: (await api.mayor.mail.list.query({ townId, limit: 200 })).items.map((m) => m.type).sort(),
    webhooks: hooks.map((h) => (JSON.parse(h.body) as { type: string }).type).sort(),
    webhookIdsDelivered: `${new Set(hookIds).size} distinct of ${hookIds.length}`,
    emailsSent: run.emailsSent,
  };
}
export type EndState = Awaited<ReturnType<typeof endState>>;

// The binding's own send, taken before any test spies on it.
const realSend = env.EMAIL.send;

async function startRun(rigNames: string[]): Promise<Run> {
  const { townId, rigs } = await townWithRigs(...rigNames);
  const run: Run = { townId, rigs, restores: [], emailFailures: 0, emailsSent: 0, retriedCalls: [], fired: [] };
  vi.spyOn(env.EMAIL, 'send').mockImplementation(async (message) => {
    if (run.emailFailures > 0) {
      run.emailFailures -= 1;
      throw new Error('injected email failure');
    }
    const sent = await Reflect.apply(realSend, env.EMAIL, [message]);
    run.emailsSent += 1;
    return sent;
  });
  return run;
}

/** A caller's call: if it fails, the caller retries once, after the fault is gone (as a client would). */
async function call<T>(run: Run, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    run.retriedCalls.push((error as { data?: { code?: string } }).data?.code ?? String(error));
    for (const restore of run.restores.splice(0).reverse()) await restore();
    return fn();
  }
}

type Flow = (faults: Faults) => Promise<{ run: Run; end: EndState }>;

/** convoy create → distribution to each RigDO (inline, then the TownDO's alarm). */
const convoyCreate: Flow = async (faults) => {
  const run = await startRun(['north', 'south']);
  const { townId, rigs } = run;
  await faults.setup?.(run);
  const beads = [...beadsFor(rigs.north as string, 2, 'n'), ...beadsFor(rigs.south as string, 2, 's')];
  await call(run, () => api.convoy.create.mutate({ townId, title: 'flow', beads, idempotencyKey: 'flow-key' }));
  await faults.created?.(run);
  await recover(run, 0);
  return { run, end: await endState(run) };
};

/** rig close → TownDO count → landing (outbox event) → Mayor and webhook notification. */
const closeToNotification: Flow = async (faults) => {
  const run = await startRun(['north', 'south']);
  const { townId, rigs } = run;
  await api.escalation.setRouting.mutate({ townId, webhookUrl: hookUrl(townId) });
  const beads = [...beadsFor(rigs.north as string, 1, 'n'), ...beadsFor(rigs.south as string, 1, 's')];
  const convoy = await api.convoy.create.mutate({ townId, title: 'flow', beads });
  // beadIds[i] is beads[i] of the call.
  const [first, second] = convoy.beadIds.map((id, i) => ({ id, rigId: beads[i]?.rigId as string }));
  if (!first || !second) throw new Error('convoy without beads');
  await faults.setup?.(run);
  await call(run, () => api.rig.closeBead.mutate({ townId, rigId: first.rigId, beadId: first.id }));
  await faults['one-closed']?.(run);
  await call(run, () => api.rig.closeBead.mutate({ townId, rigId: second.rigId, beadId: second.id }));
  await faults.landed?.(run);
  await recover(run, 0);
  return { run, end: await endState(run) };
};

/** escalation raise → outbox → Mayor, webhook and email. */
const escalationRaise: Flow = async (faults) => {
  const run = await startRun(['alpha']);
  const { townId, rigs } = run;
  await api.escalation.setRouting.mutate({ townId, webhookUrl: hookUrl(townId), emailTo: 'oncall@example.com' });
  await faults.setup?.(run);
  await call(run, () =>
    api.escalation.raise.mutate({
      townId,
      sourceRigId: rigs.alpha as string,
      severity: 'high',
      message: 'disk full',
      idempotencyKey: 'flow-key',
    }),
  );
  await faults.raised?.(run);
  await recover(run, 0);
  return { run, end: await endState(run) };
};

/** four medium raises over three dedup keys, held for the group wait → one digest to Mayor, webhook and email. */
const groupedRaises: Flow = async (faults) => {
  const run = await startRun(['alpha']);
  const { townId, rigs } = run;
  await api.escalation.setRouting.mutate({
    townId,
    webhookUrl: hookUrl(townId),
    emailTo: 'oncall@example.com',
    routes: { medium: ['mayor', 'webhook', 'email'] },
    groupWaitSeconds: 30,
  });
  await faults.setup?.(run);
  for (const key of ['ci', 'disk', 'ci', 'deploy']) {
    const raise = { townId, sourceRigId: rigs.alpha as string, severity: 'medium' as const, message: `${key} failing`, dedupKey: key };
    await call(run, () => api.escalation.raise.mutate(raise));
  }
  await faults.held?.(run);
  await recover(run, 0); // its first round (40 min on) is past the 30 s wait: the group goes out, then is delivered
  return { run, end: await endState(run) };
};

/** heartbeats from the alarm: a rig fails twice → escalation (Mayor, webhook) → it heals → recovery notice. */
const heartbeatToEscalation: Flow = async (faults) => {
  const run = await startRun(['alpha', 'beta']);
  const { townId, rigs } = run;
  await api.escalation.setRouting.mutate({ townId, webhookUrl: hookUrl(townId) });
  const sick = await api.rig.get.query({ townId, rigId: rigs.alpha as string });
  await setRigHealth(sick.rigDoId, 'unhealthy');
  const beat = (n: number) => alarmAt(townStub(townId), n * (HEARTBEAT_INTERVAL_MS + 60_000));
  await faults.setup?.(run);
  await beat(1);
  await faults['one-failure']?.(run);
  await beat(2);
  await faults.escalated?.(run);
  await setRigHealth(sick.rigDoId, 'heal');
  await beat(3);
  await faults.recovered?.(run);
  await recover(run, 3 * (HEARTBEAT_INTERVAL_MS + 60_000));
  return { run, end: await endState(run) };
};

export const FLOWS = {
  'convoy create → distribution': convoyCreate,
  'rig close → town count → landing → notification': closeToNotification,
  'escalation raise → outbox → Mayor/webhook/email': escalationRaise,
  'heartbeat → escalation': heartbeatToEscalation,
  'grouped raises → digest → Mayor/webhook/email': groupedRaises,
} as const;
export type FlowName = keyof typeof FLOWS;
