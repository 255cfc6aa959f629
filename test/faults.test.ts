import { evictDurableObject } from 'cloudflare:test';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { breakMethod, rigDo } from './convoys/convoy-helpers';
import { type EndState, type Faults, FLOWS, type FlowName, mayorDo, type Run, throwOnce } from './fault-flows';
import { townStub } from './helpers';
import { planHook, receivedHooks } from './receiver';

// Faults at every step: the one place listing, for each multi-step flow, each step and the fault
// injected there. A row either runs here (`faults`) or names the test that already proves it
// (`coveredBy`); a row with `gap` states what is not guaranteed. A run with a fault must end, once its
// retries and alarms have run, in exactly the state of the same flow without one: nothing lost,
// nothing duplicated, one landing, one delivery per event id and channel.

interface Row {
  flow: FlowName;
  step: string;
  fault: string;
  faults?: Faults;
  coveredBy?: string;
  gap?: string;
}

/** Puts a fault in place for the rest of the flow; `recover` (or a caller's retry) undoes it. */
const broken =
  (stub: (run: Run) => DurableObjectStub<Rpc.DurableObjectBranded>, method: string, mode: 'before' | 'after' = 'before') =>
  async (run: Run) => {
    const b = await breakMethod(stub(run), method, mode);
    run.restores.push(b.restore);
    run.fired.push(() => b.calls() > 0);
  };
const alarmThrowsOnce = (stub: (run: Run) => DurableObjectStub<Rpc.DurableObjectBranded>, method: string) => async (run: Run) => {
  run.fired.push((await throwOnce(stub(run), method)).fired);
};
const webhookFails = (failures: number, status: number) => async (run: Run) => {
  await planHook(run.townId, { failures, status });
  run.fired.push(async () => (await receivedHooks(run.townId)).filter((h) => h.status === status).length === failures);
};
const emailFails = async (run: Run) => {
  run.emailFailures = 1;
  run.fired.push(() => run.emailFailures === 0);
};
const evict = (stub: (run: Run) => DurableObjectStub<Rpc.DurableObjectBranded>) => (run: Run) => evictDurableObject(stub(run));
const town = (run: Run) => townStub(run.townId);
const mayor = (run: Run) => mayorDo(run.townId);
const rig = (name: string) => (run: Run) => rigDo(run.townId, run.rigs[name] as string);
const both =
  (...steps: ((run: Run) => Promise<unknown>)[]) =>
  async (run: Run) => {
    for (const step of steps) await step(run);
  };

const FAULT_TABLE: Row[] = [
  // convoy create → distribution
  {
    flow: 'convoy create → distribution',
    step: 'TownDO commits convoy + beads + tasks',
    fault: 'TownDO throws before committing',
    faults: { setup: broken(town, 'createConvoy') },
  },
  {
    flow: 'convoy create → distribution',
    step: 'TownDO commits convoy + beads + tasks',
    fault: 'answer lost after the commit; the caller retries with its idempotency key',
    faults: { setup: broken(town, 'createConvoy', 'after') },
  },
  {
    flow: 'convoy create → distribution',
    step: 'inline delivery to each RigDO',
    fault: 'a RigDO throws',
    coveredBy: 'convoy-failures.test.ts › creates the convoy when a RigDO throws during distribution…',
  },
  {
    flow: 'convoy create → distribution',
    step: 'inline delivery to each RigDO',
    fault: 'the RigDO stored the beads but its answer was lost',
    coveredBy: 'convoy-failures.test.ts › duplicates nothing when a delivery reached the rig but its answer was lost',
  },
  {
    flow: 'convoy create → distribution',
    step: 'alarm retry of the delivery',
    fault: 'TownDO evicted between attempts',
    coveredBy: 'convoy-failures.test.ts › creates the convoy when a RigDO throws during distribution…',
  },
  {
    flow: 'convoy create → distribution',
    step: 'alarm retry of the delivery',
    fault: 'the TownDO alarm throws once',
    faults: { setup: broken(rig('south'), 'receiveBeads'), created: alarmThrowsOnce(town, 'taskHandlers') },
  },
  // rig close → town count → landing → notification
  {
    flow: 'rig close → town count → landing → notification',
    step: 'RigDO tells the TownDO',
    fault: 'TownDO unreachable (the rig retries from its alarm)',
    coveredBy: 'convoy-failures.test.ts › retries from the rig when the TownDO is unreachable as a bead closes…',
  },
  {
    flow: 'rig close → town count → landing → notification',
    step: 'TownDO counts the close',
    fault: 'counted, but the answer to the rig was lost (the rig retries)',
    faults: { setup: broken(town, 'onBeadClosed', 'after') },
  },
  {
    flow: 'rig close → town count → landing → notification',
    step: 'RigDO retry',
    fault: 'RigDO and TownDO evicted between the close and the retry',
    coveredBy: 'convoy-failures.test.ts › retries from the rig when the TownDO is unreachable as a bead closes…',
  },
  {
    flow: 'rig close → town count → landing → notification',
    step: 'RigDO retry',
    fault: 'the RigDO alarm throws once',
    faults: { setup: broken(town, 'onBeadClosed'), 'one-closed': alarmThrowsOnce(rig('north'), 'context') },
  },
  {
    flow: 'rig close → town count → landing → notification',
    step: 'landing → Mayor mail',
    fault: 'MayorDO throws',
    faults: { setup: broken(mayor, 'receiveMail') },
  },
  {
    flow: 'rig close → town count → landing → notification',
    step: 'landing → Mayor mail',
    fault: 'mail stored but the answer was lost (dedup by mail id)',
    faults: { setup: broken(mayor, 'receiveMail', 'after') },
  },
  {
    flow: 'rig close → town count → landing → notification',
    step: 'landing → webhook',
    fault: 'the endpoint answers 503 once',
    faults: { setup: webhookFails(1, 503) },
  },
  {
    flow: 'rig close → town count → landing → notification',
    step: 'landing → delivery',
    fault: 'TownDO evicted with the delivery pending',
    faults: { setup: broken(mayor, 'receiveMail'), landed: evict(town) },
  },
  // escalation raise → outbox → Mayor/webhook/email
  {
    flow: 'escalation raise → outbox → Mayor/webhook/email',
    step: 'TownDO commits escalation + outbox rows',
    fault: 'TownDO throws before committing',
    faults: { setup: broken(town, 'raiseEscalation') },
  },
  {
    flow: 'escalation raise → outbox → Mayor/webhook/email',
    step: 'TownDO commits escalation + outbox rows',
    fault: 'answer lost after the commit; the caller retries with its idempotency key',
    faults: { setup: broken(town, 'raiseEscalation', 'after') },
  },
  {
    flow: 'escalation raise → outbox → Mayor/webhook/email',
    step: 'outbox → Mayor',
    fault: 'MayorDO throws',
    faults: { setup: broken(mayor, 'receiveMail') },
  },
  {
    flow: 'escalation raise → outbox → Mayor/webhook/email',
    step: 'outbox → Mayor',
    fault: 'mail stored but the answer was lost (dedup by mail id)',
    faults: { setup: broken(mayor, 'receiveMail', 'after') },
  },
  {
    flow: 'escalation raise → outbox → Mayor/webhook/email',
    step: 'outbox → webhook',
    fault: 'the endpoint answers 5xx',
    coveredBy: 'webhook-delivery.test.ts › retries a webhook that is down, then delivers it exactly once…',
  },
  {
    flow: 'escalation raise → outbox → Mayor/webhook/email',
    step: 'outbox → webhook',
    fault: 'no answer in time',
    coveredBy: 'webhook-delivery.test.ts › gives up an attempt that gets no answer in time',
  },
  {
    flow: 'escalation raise → outbox → Mayor/webhook/email',
    step: 'outbox → webhook',
    fault: '410 Gone (final: the webhook is disabled)',
    coveredBy: 'webhook-delivery.test.ts › stops sending to an endpoint that answers 410 Gone…',
  },
  {
    flow: 'escalation raise → outbox → Mayor/webhook/email',
    step: 'outbox → email',
    fault: 'the email binding throws once',
    faults: { setup: emailFails },
  },
  {
    flow: 'escalation raise → outbox → Mayor/webhook/email',
    step: 'outbox delivery',
    fault: 'TownDO evicted before or between attempts',
    coveredBy: 'webhook-delivery.test.ts › loses nothing when the TownDO is evicted before or between attempts',
  },
  {
    flow: 'escalation raise → outbox → Mayor/webhook/email',
    step: 'outbox delivery',
    fault: 'the TownDO alarm throws once',
    faults: { setup: broken(mayor, 'receiveMail'), raised: alarmThrowsOnce(town, 'taskHandlers') },
  },
  // heartbeat → escalation
  {
    flow: 'heartbeat → escalation',
    step: 'check each rig',
    fault: 'a rig throws or hangs',
    coveredBy: 'watchdog-heartbeat.test.ts › checks rigs in parallel: a throwing rig and eight hung ones cost one timeout…',
  },
  {
    flow: 'heartbeat → escalation',
    step: 'record a check',
    fault: 'recording throws',
    coveredBy: 'watchdog-resilience.test.ts › a target whose record cannot be written is skipped, atomically…',
  },
  {
    flow: 'heartbeat → escalation',
    step: 'list rigs',
    fault: 'the rigs cannot be read',
    coveredBy: 'watchdog-resilience.test.ts › when the rigs cannot be read, the container is still checked…',
  },
  {
    flow: 'heartbeat → escalation',
    step: 'heartbeat (alarm)',
    fault: 'the TownDO alarm throws once',
    faults: { setup: alarmThrowsOnce(town, 'taskHandlers') },
  },
  {
    flow: 'heartbeat → escalation',
    step: 'count consecutive failures',
    fault: 'TownDO evicted between failing heartbeats',
    faults: { 'one-failure': evict(town) },
  },
  {
    flow: 'heartbeat → escalation',
    step: 'escalation → Mayor, webhook',
    fault: 'MayorDO throws and the webhook answers 503',
    faults: { setup: both(broken(mayor, 'receiveMail'), webhookFails(2, 503)) },
  },
  {
    flow: 'heartbeat → escalation',
    step: 'recovery notice',
    fault: 'TownDO evicted between the escalation and the recovery',
    faults: { escalated: evict(town) },
  },
  // grouped raises → held → one digest per channel
  {
    flow: 'grouped raises → digest → Mayor/webhook/email',
    step: 'routings held for the group wait (rows + one flush task)',
    fault: 'TownDO evicted while they are held',
    faults: { held: evict(town) },
  },
  {
    flow: 'grouped raises → digest → Mayor/webhook/email',
    step: 'digest delivery',
    // Faults that outlast the first alarm (recovery undoes the broken-method ones before the group goes out).
    fault: 'the webhook answers 503 twice, the email binding throws once',
    faults: { setup: both(webhookFails(2, 503), emailFails) },
  },
  {
    flow: 'grouped raises → digest → Mayor/webhook/email',
    step: 'group flush',
    fault: 'an escalation resolved while held',
    coveredBy: 'escalation-grouping.test.ts › drops a held escalation that is resolved before its group goes out',
  },
];

beforeEach(() => {
  for (const level of ['log', 'warn', 'error'] as const) vi.spyOn(console, level).mockImplementation(() => {});
});
afterEach(() => vi.restoreAllMocks());

const baselines = new Map<FlowName, Promise<EndState>>();
const baseline = (flow: FlowName) => {
  let end = baselines.get(flow);
  if (!end) {
    end = FLOWS[flow]({}).then((r) => r.end);
    baselines.set(flow, end);
  }
  return end;
};

describe('the fault table', () => {
  it('lists every flow, and every row either runs here, names the test that covers it, or states a gap', () => {
    expect(new Set(FAULT_TABLE.map((r) => r.flow))).toEqual(new Set(Object.keys(FLOWS)));
    for (const row of FAULT_TABLE)
      expect([row.faults, row.coveredBy, row.gap].filter(Boolean), `${row.flow} / ${row.fault}`).toHaveLength(1);
  });

  for (const flow of Object.keys(FLOWS) as FlowName[]) {
    it(`${flow}: the run without faults delivers everything once`, async () => {
      const end = await baseline(flow);
      // Left on purpose: re-escalations, and the stranded check of a convoy still active.
      expect(end.tasks.filter((k) => k !== 'escalation.reescalate' && k !== 'stranded.check')).toEqual([]);
      expect(end.rigTasks).toBe(0);
      expect(end.outbox.every((r) => r.endsWith(':delivered'))).toBe(true);
      expect(end.mail).toHaveLength(end.outbox.filter((r) => r.includes(':mayor:')).length);
      expect(end.webhooks).toHaveLength(end.outbox.filter((r) => r.includes(':webhook:')).length);
      expect(end.emailsSent).toBe(end.outbox.filter((r) => r.includes(':email:')).length);
      // Distribution notifies no one; every other flow ends in at least one notification.
      if (flow.startsWith('convoy create')) expect(end.mail.length + end.webhooks.length).toBe(0);
      else expect(end.mail.length + end.webhooks.length).toBeGreaterThan(0);
    });
  }

  for (const row of FAULT_TABLE.filter((r) => r.faults)) {
    it(`${row.flow} › ${row.step}: ${row.fault} → same end state`, async () => {
      const expected = await baseline(row.flow);
      const { run, end } = await FLOWS[row.flow](row.faults ?? {});
      expect(end).toEqual(expected);
      for (const fired of run.fired) expect(await fired(), 'the injected fault never happened').toBe(true);
      // A caller sees a failure only where the TownDO itself failed the call (and then retried it).
      for (const code of run.retriedCalls) expect(code).toBe('INTERNAL_SERVER_ERROR');
    });
  }
});
