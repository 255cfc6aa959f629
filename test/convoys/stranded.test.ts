import { afterEach, describe, expect, it, vi } from 'vitest';
import { allEvents } from '../helpers';
import { api, drainRigAlarm, rigWithBeads } from '../rigs/work-loop-helpers';
import { settle } from '../town-helpers';

// Stranded convoys: active, open beads, no progress for strandedAfterMinutes → a medium escalation
// `convoy-stranded:<id>` (sourceRigId town), resolved by the next progress.

afterEach(() => vi.useRealTimers());

const MIN = 60_000;

describe('stranded convoys', () => {
  it('raises once after strandedAfterMinutes without progress, resolves on the next claim, re-arms', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const t0 = Date.parse('2033-01-01T00:00:00Z');
    vi.setSystemTime(t0);
    const { ref, convoy } = await rigWithBeads(2);
    const { townId } = ref;
    await api.town.setSettings.mutate({ townId, strandedAfterMinutes: 30 });
    vi.setSystemTime(t0 + 29 * MIN);
    await settle(townId);
    expect((await api.escalation.list.query({ townId })).items).toEqual([]);
    vi.setSystemTime(t0 + 61 * MIN); // the check was armed for 60 min at creation; it re-reads the setting
    await settle(townId);
    const [stranded] = (await api.escalation.list.query({ townId, status: 'open' })).items;
    expect(stranded).toMatchObject({
      sourceRigId: 'town',
      severity: 'medium',
      dedupKey: `convoy-stranded:${convoy.id}`,
      convoyId: convoy.id,
    });
    expect(stranded?.message).toContain(convoy.id);
    vi.setSystemTime(t0 + 200 * MIN);
    await settle(townId);
    expect((await api.escalation.list.query({ townId })).items).toHaveLength(1); // raised once

    // Progress: a claim, reported by the rig a second later.
    await api.rig.claimBead.mutate({ ...ref, agentId: 'agent', leaseSeconds: 3600 });
    vi.setSystemTime(t0 + 200 * MIN + 2_000);
    await drainRigAlarm(townId, ref.rigId);
    expect((await api.escalation.get.query({ townId, escalationId: stranded?.id ?? '' })).resolvedAt).not.toBeNull();
    expect((await api.convoy.get.query({ townId, convoyId: convoy.id })).lastProgressAt).toBe(new Date(t0 + 200 * MIN).toISOString());
    const types = (await allEvents({ townId, convoyId: convoy.id })).map((e) => e.type);
    expect(types.filter((t) => t === 'convoy.stranded' || t === 'bead.claimed')).toEqual(['convoy.stranded', 'bead.claimed']);

    // Watched again: no renewal for another 30 min raises a new one.
    vi.setSystemTime(t0 + 231 * MIN);
    await settle(townId);
    expect((await api.escalation.list.query({ townId, status: 'open' })).items.map((e) => e.dedupKey)).toEqual([
      `convoy-stranded:${convoy.id}`,
    ]);
    // Landing resolves it.
    const beads = await api.rig.beads.query(ref);
    await api.rig.closeBead.mutate({ ...ref, beadId: beads.items[0]?.id ?? '', agentId: 'agent' });
    await api.rig.closeBead.mutate({ ...ref, beadId: beads.items[1]?.id ?? '' });
    expect((await api.escalation.list.query({ townId, status: 'open' })).items).toEqual([]);
  });
});
