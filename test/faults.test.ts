import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type EndState, FLOWS, type FlowName } from './fault-flows';
import { FAULT_TABLE } from './fault-table';
import { quietConsole } from './helpers';

// Runs the fault table (test/fault-table.ts): each row's flow with its fault must end in exactly the
// state of the same flow without one.

beforeEach(() => quietConsole('log', 'warn', 'error'));
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
