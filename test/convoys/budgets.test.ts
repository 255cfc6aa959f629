import { runDurableObjectAlarm } from 'cloudflare:test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { allEvents, townStub } from '../helpers';
import { api, rigWithBeads } from '../rigs/work-loop-helpers';

// Budgets: cost reports add to the bead, the convoy and the town's day; 80 % escalates, 100 % pauses.

afterEach(() => vi.useRealTimers());

const budgetEscalations = async (townId: string, key: string) =>
  (await api.escalation.list.query({ townId, limit: 100 })).items.filter((e) => e.dedupKey === key);

describe('convoy budgets', () => {
  it('concurrent cost reports crossing 80 % and 100 %: exactly one pause and one escalation, upgraded to high', async () => {
    const { ref, convoy, townId } = await rigWithBeads(4);
    await api.convoy.setBudget.mutate({ townId, convoyId: convoy.id, budget: 10 });
    await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        api.rig.reportCost.mutate({ ...ref, beadId: convoy.beadIds[i % 4] as string, agentId: 'a', cost: 0.5, reportId: `r${i}` }),
      ),
    );
    const got = await api.convoy.get.query({ townId, convoyId: convoy.id });
    expect(got).toMatchObject({ spent: 12, budget: 10, pauseReason: 'budget', pauses: [expect.objectContaining({ cause: 'budget' })] });
    const escalations = await budgetEscalations(townId, `budget:${convoy.id}`);
    expect(escalations).toHaveLength(1);
    expect(escalations[0]).toMatchObject({ severity: 'high', sourceRigId: 'town' });
    expect((await allEvents({ townId, convoyId: convoy.id })).filter((e) => e.type === 'convoy.paused')).toHaveLength(1);
    expect((await api.rig.claimBead.mutate({ ...ref, agentId: 'x' })).bead).toBeNull();
  });

  it('counts a report once per (bead, reportId), and a repeated close once with it', async () => {
    const { ref, convoy, townId } = await rigWithBeads(2);
    const beadId = convoy.beadIds[0] as string;
    await api.rig.reportCost.mutate({ ...ref, beadId, agentId: 'a', cost: 2, reportId: 'same' });
    await api.rig.reportCost.mutate({ ...ref, beadId, agentId: 'a', cost: 2, reportId: 'same' });
    await api.rig.closeBead.mutate({ ...ref, beadId, cost: 3 });
    await api.rig.closeBead.mutate({ ...ref, beadId, cost: 3 });
    expect((await api.convoy.get.query({ townId, convoyId: convoy.id })).spent).toBe(5);
    expect((await api.town.status.query({ townId })).spentToday).toBe(5);
  });

  it("convoy.beads answers each bead's spent", async () => {
    const { ref, convoy, townId } = await rigWithBeads(3);
    const [first, second] = convoy.beadIds as [string, string];
    await api.rig.reportCost.mutate({ ...ref, beadId: first, agentId: 'a', cost: 1.25 });
    await api.rig.closeBead.mutate({ ...ref, beadId: first, cost: 0.5 });
    await api.rig.reportCost.mutate({ ...ref, beadId: second, agentId: 'a', cost: 4 });
    const { items } = await api.convoy.beads.query({ townId, convoyId: convoy.id });
    expect(items.map((b) => b.spent)).toEqual([1.75, 4, 0]);
  });

  it('a raised budget lifts only the budget pause and resolves the escalation; a pause by hand stays', async () => {
    const { ref, convoy, townId } = await rigWithBeads(2);
    await api.convoy.setBudget.mutate({ townId, convoyId: convoy.id, budget: 1 });
    await api.convoy.pause.mutate({ townId, convoyId: convoy.id, reason: 'by hand' });
    await api.rig.reportCost.mutate({ ...ref, beadId: convoy.beadIds[0] as string, agentId: 'a', cost: 1 });
    expect((await api.convoy.get.query({ townId, convoyId: convoy.id })).pauses.map((p) => p.cause)).toEqual(['manual', 'budget']);
    const raised = await api.convoy.setBudget.mutate({ townId, convoyId: convoy.id, budget: 100 });
    expect(raised.pauses.map((p) => p.cause)).toEqual(['manual']);
    const [escalation] = await budgetEscalations(townId, `budget:${convoy.id}`);
    expect(escalation?.resolvedAt).not.toBeNull();
  });
});

describe('the daily budget', () => {
  it('pauses the town at 100 % of the day and lifts it on the next UTC day (fake clock)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const t0 = Date.parse('2031-04-01T23:00:00Z');
    vi.setSystemTime(t0);
    const { ref, convoy, townId } = await rigWithBeads(2);
    await api.town.setSettings.mutate({ townId, dailyBudget: 4 });
    await api.rig.reportCost.mutate({ ...ref, beadId: convoy.beadIds[0] as string, agentId: 'a', cost: 3.5 });
    expect((await budgetEscalations(townId, 'budget:town'))[0]?.severity).toBe('medium');
    await api.rig.reportCost.mutate({ ...ref, beadId: convoy.beadIds[0] as string, agentId: 'a', cost: 1 });
    expect(await api.town.status.query({ townId })).toMatchObject({ paused: true, pauseReason: 'budget', spentToday: 4.5, dailyBudget: 4 });
    expect((await api.rig.claimBead.mutate({ ...ref, agentId: 'x' })).reason).toBe('town_paused');
    vi.setSystemTime(Date.parse('2031-04-02T00:00:01Z'));
    expect(await runDurableObjectAlarm(townStub(townId))).toBe(true);
    expect(await api.town.status.query({ townId })).toMatchObject({ paused: false, spentToday: 0 });
    expect((await budgetEscalations(townId, 'budget:town'))[0]?.resolvedAt).not.toBeNull();
    expect((await api.rig.claimBead.mutate({ ...ref, agentId: 'x' })).bead).not.toBeNull();
  });
});
