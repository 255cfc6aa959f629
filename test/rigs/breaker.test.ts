import { afterEach, describe, expect, it, vi } from 'vitest';
import { settle } from '../town-helpers';
import { api, drainRigAlarm, rigWithBeads } from './work-loop-helpers';

// The breaker per rig: opens after breakerFailures failed attempts within the window, lets one claim
// through after the cooldown, closes on its success, reopens with the cooldown doubled on its failure,
// decays, and rig.resetBreaker closes it at once.

afterEach(() => vi.useRealTimers());

const MIN = 60_000;

async function fakeClockAt(iso: string) {
  vi.useFakeTimers({ toFake: ['Date'] });
  const t0 = Date.parse(iso);
  vi.setSystemTime(t0);
  return t0;
}

/** One failed attempt by a fresh agent on the next claimable bead. */
async function failOne(ref: { townId: string; rigId: string }, agentId: string) {
  const { bead, reason } = await api.rig.claimBead.mutate({ ...ref, agentId });
  if (!bead) throw new Error(`no bead to fail: ${reason}`);
  await api.rig.closeBead.mutate({ ...ref, beadId: bead.id, agentId, outcome: 'failed' });
  return bead.id;
}

describe('rig breaker', () => {
  it('opens, half-opens after the cooldown, reopens doubled on a failed probe, closes on a successful one', async () => {
    const t0 = await fakeClockAt('2032-01-01T00:00:00Z');
    const { ref } = await rigWithBeads(10);
    await api.town.setSettings.mutate({ townId: ref.townId, breakerFailures: 2, breakerWindowMinutes: 10, breakerCooldownMinutes: 5 });
    await failOne(ref, 'a1');
    await failOne(ref, 'a2');
    const refused = await api.rig.claimBead.mutate({ ...ref, agentId: 'a3' });
    expect(refused).toEqual({ bead: null, reason: 'breaker_open', nextClaimAt: new Date(t0 + 5 * MIN).toISOString() });
    vi.setSystemTime(t0 + 2_000);
    await drainRigAlarm(ref.townId, ref.rigId);
    await settle(ref.townId);
    expect((await api.rig.get.query(ref)).breaker).toEqual({
      state: 'open',
      openedAt: new Date(t0).toISOString(),
      reopensAt: new Date(t0 + 5 * MIN).toISOString(),
    });
    const [escalation] = (await api.escalation.list.query({ townId: ref.townId, status: 'open' })).items;
    expect(escalation).toMatchObject({ sourceRigId: 'town', severity: 'high', dedupKey: `breaker:${ref.rigId}` });

    // Half-open: one claim through, the others refused until it reports.
    vi.setSystemTime(t0 + 5 * MIN);
    const probe = await api.rig.claimBead.mutate({ ...ref, agentId: 'p1' });
    expect(probe.bead).not.toBeNull();
    expect((await api.rig.claimBead.mutate({ ...ref, agentId: 'p2' })).reason).toBe('breaker_open');
    await api.rig.closeBead.mutate({ ...ref, beadId: probe.bead?.id ?? '', agentId: 'p1', outcome: 'failed' });
    // Reopened with the cooldown doubled (10 min).
    expect(await api.rig.claimBead.mutate({ ...ref, agentId: 'p2' })).toMatchObject({
      reason: 'breaker_open',
      nextClaimAt: new Date(t0 + 15 * MIN).toISOString(),
    });
    vi.setSystemTime(t0 + 15 * MIN);
    const probe2 = await api.rig.claimBead.mutate({ ...ref, agentId: 'p3' });
    await api.rig.closeBead.mutate({ ...ref, beadId: probe2.bead?.id ?? '', agentId: 'p3' });
    expect((await api.rig.claimBead.mutate({ ...ref, agentId: 'p4' })).bead).not.toBeNull();
    vi.setSystemTime(t0 + 15 * MIN + 2_000);
    await drainRigAlarm(ref.townId, ref.rigId);
    expect((await api.rig.list.query({ townId: ref.townId }))[0]?.breaker).toEqual({ state: 'closed', openedAt: null, reopensAt: null });
    expect((await api.escalation.get.query({ townId: ref.townId, escalationId: escalation?.id ?? '' })).resolvedAt).not.toBeNull();
  });

  it("the town's copy says half_open while the probe is out, open again (doubled) on its failure or release, closed on its success", async () => {
    const t0 = await fakeClockAt('2032-03-01T00:00:00Z');
    const { ref } = await rigWithBeads(10);
    await api.town.setSettings.mutate({ townId: ref.townId, breakerFailures: 1, breakerWindowMinutes: 10, breakerCooldownMinutes: 5 });
    await failOne(ref, 'a1');
    const townCopy = async (at: number) => {
      vi.setSystemTime(at + 2_000); // past the reports' batching delay
      await drainRigAlarm(ref.townId, ref.rigId);
      await settle(ref.townId);
      vi.setSystemTime(at);
      return (await api.rig.get.query(ref)).breaker;
    };
    const openedAt = new Date(t0).toISOString();
    expect(await townCopy(t0)).toEqual({ state: 'open', openedAt, reopensAt: new Date(t0 + 5 * MIN).toISOString() });

    // The probe is out: half_open, the same openedAt and reopensAt.
    expect((await api.rig.claimBead.mutate({ ...ref, agentId: 'p1' })).reason).toBe('breaker_open'); // the cooldown has not passed
    vi.setSystemTime(t0 + 5 * MIN);
    const first = await api.rig.claimBead.mutate({ ...ref, agentId: 'p1' });
    expect(first.bead).not.toBeNull();
    expect(await townCopy(t0 + 5 * MIN)).toEqual({ state: 'half_open', openedAt, reopensAt: new Date(t0 + 5 * MIN).toISOString() });
    expect((await api.mayor.briefing.query({ townId: ref.townId })).openBreakers).toMatchObject([{ rigId: ref.rigId, state: 'half_open' }]);

    // Given back untouched: open again (reopensAt past, the next claim probes).
    await api.rig.releaseBead.mutate({ ...ref, beadId: first.bead?.id ?? '', agentId: 'p1' });
    expect((await townCopy(t0 + 5 * MIN)).state).toBe('open');

    // The next probe fails: open with the cooldown doubled (10 min from the failure).
    const second = await api.rig.claimBead.mutate({ ...ref, agentId: 'p2' });
    expect((await townCopy(t0 + 5 * MIN)).state).toBe('half_open');
    vi.setSystemTime(t0 + 6 * MIN);
    await api.rig.closeBead.mutate({ ...ref, beadId: second.bead?.id ?? '', agentId: 'p2', outcome: 'failed' });
    expect(await townCopy(t0 + 6 * MIN)).toEqual({ state: 'open', openedAt, reopensAt: new Date(t0 + 16 * MIN).toISOString() });

    // The third probe succeeds: closed.
    vi.setSystemTime(t0 + 16 * MIN);
    const third = await api.rig.claimBead.mutate({ ...ref, agentId: 'p3' });
    expect((await townCopy(t0 + 16 * MIN)).state).toBe('half_open');
    await api.rig.closeBead.mutate({ ...ref, beadId: third.bead?.id ?? '', agentId: 'p3' });
    expect(await townCopy(t0 + 16 * MIN)).toEqual({ state: 'closed', openedAt: null, reopensAt: null });
  });

  it('forgets failures older than the window (decay), and rig.resetBreaker closes it at once', async () => {
    const t0 = await fakeClockAt('2032-02-01T00:00:00Z');
    const { ref } = await rigWithBeads(10);
    await api.town.setSettings.mutate({ townId: ref.townId, breakerFailures: 2, breakerWindowMinutes: 10 });
    await failOne(ref, 'a1');
    vi.setSystemTime(t0 + 11 * MIN);
    await failOne(ref, 'a2'); // the first no longer counts
    expect((await api.rig.claimBead.mutate({ ...ref, agentId: 'a3' })).bead).not.toBeNull();
    await api.rig.closeBead.mutate({
      ...ref,
      beadId: (await api.rig.claimBead.mutate({ ...ref, agentId: 'a3' })).bead?.id ?? '',
      agentId: 'a3',
      outcome: 'failed',
    });
    expect((await api.rig.claimBead.mutate({ ...ref, agentId: 'a4' })).reason).toBe('breaker_open');
    const reset = await api.rig.resetBreaker.mutate(ref);
    expect(reset.breaker.state).toBe('closed');
    expect((await api.rig.claimBead.mutate({ ...ref, agentId: 'a4' })).bead).not.toBeNull();
  });
});
