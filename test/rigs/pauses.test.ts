import { runDurableObjectAlarm } from 'cloudflare:test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { allEvents, expectTrpcError } from '../helpers';
import { api, drainRigAlarm, rigDo, rigWithBeads } from './work-loop-helpers';

// The pause switches: convoy.pause / resume, town.pause / resume, town.status, and leases that run out
// while paused (docs/convoys.md, "Pause switches").

afterEach(() => vi.useRealTimers());

describe('convoy.pause', () => {
  it("holds at the rig before it answers: no claim after it gets the convoy's beads; resume lets them through", async () => {
    const { ref, convoy, townId } = await rigWithBeads(2);
    const paused = await api.convoy.pause.mutate({ townId, convoyId: convoy.id, reason: 'deploy freeze' });
    expect(paused).toMatchObject({ pauseReason: 'deploy freeze', pauses: [{ cause: 'manual', reason: 'deploy freeze', by: 'admin' }] });
    expect(paused.pausedAt).not.toBeNull();
    expect(await api.rig.claimBead.mutate({ ...ref, agentId: 'a' })).toEqual({ bead: null, reason: 'no_work', nextClaimAt: null });
    // A second convoy on the same rig is not held back.
    const other = await api.convoy.create.mutate({ townId, title: 'other', beads: [{ rigId: ref.rigId, title: 'x' }] });
    expect((await api.rig.claimBead.mutate({ ...ref, agentId: 'b' })).bead?.id).toBe(other.beadIds[0]);
    const resumed = await api.convoy.resume.mutate({ townId, convoyId: convoy.id });
    expect(resumed).toMatchObject({ pausedAt: null, pauseReason: null, pauses: [] });
    expect((await api.rig.claimBead.mutate({ ...ref, agentId: 'a' })).bead?.id).toBe(convoy.beadIds[0]);
    const types = (await allEvents({ townId, convoyId: convoy.id })).map((e) => e.type);
    expect(types).toContain('convoy.paused');
    expect(types).toContain('convoy.resumed');
    expect((await api.convoy.get.query({ townId, convoyId: convoy.id })).pauses).toEqual([]);
  });

  it('pause under concurrent claimers: no claim that starts after the pause answered gets a bead', async () => {
    const { ref, convoy, townId } = await rigWithBeads(40);
    const before = Array.from({ length: 10 }, (_, i) => api.rig.claimBead.mutate({ ...ref, agentId: `early-${i}` }));
    await api.convoy.pause.mutate({ townId, convoyId: convoy.id, reason: 'stop' });
    await Promise.all(before);
    const after = await Promise.all(Array.from({ length: 20 }, (_, i) => api.rig.claimBead.mutate({ ...ref, agentId: `late-${i}` })));
    expect(after.every((a) => a.bead === null && a.reason === 'no_work')).toBe(true);
  });

  it('a repeated pause changes nothing; pause of a settled convoy is CONFLICT; unknown is NOT_FOUND; reason is required', async () => {
    const { convoy, townId, ref } = await rigWithBeads(1);
    await api.convoy.pause.mutate({ townId, convoyId: convoy.id, reason: 'one' });
    const again = await api.convoy.pause.mutate({ townId, convoyId: convoy.id, reason: 'two' });
    expect(again.pauses).toHaveLength(1);
    expect(again.pauseReason).toBe('one');
    expect((await allEvents({ townId, convoyId: convoy.id })).filter((e) => e.type === 'convoy.paused')).toHaveLength(1);
    await expectTrpcError(api.convoy.pause.mutate({ townId, convoyId: 'nope', reason: 'x' }), 'NOT_FOUND');
    await expectTrpcError(api.convoy.pause.mutate({ townId, convoyId: convoy.id, reason: '' }), 'BAD_REQUEST', /reason/);
    await api.rig.closeBead.mutate({ ...ref, beadId: convoy.beadIds[0] as string });
    const landed = await rigWithBeads(1);
    await api.rig.closeBead.mutate({ ...landed.ref, beadId: landed.beadIds[0] as string });
    await expectTrpcError(api.convoy.pause.mutate({ townId: landed.townId, convoyId: landed.convoy.id, reason: 'x' }), 'CONFLICT');
  });

  it('a lease that runs out while paused returns the bead to open without counting an attempt', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const t0 = Date.parse('2031-03-01T00:00:00Z');
    vi.setSystemTime(t0);
    const { ref, convoy, townId } = await rigWithBeads(1);
    await api.rig.claimBead.mutate({ ...ref, agentId: 'a', leaseSeconds: 60 });
    await api.convoy.pause.mutate({ townId, convoyId: convoy.id, reason: 'stop' });
    vi.setSystemTime(t0 + 61_000);
    expect(await runDurableObjectAlarm(rigDo(ref.townId, ref.rigId))).toBe(true);
    const [bead] = (await api.rig.beads.query(ref)).items;
    expect(bead).toMatchObject({ status: 'open', heldBy: null, attempt: 0, retryAt: null });
    await api.convoy.resume.mutate({ townId, convoyId: convoy.id });
    expect((await api.rig.claimBead.mutate({ ...ref, agentId: 'b' })).bead?.attempt).toBe(1);
  });
});

describe('town.pause', () => {
  it('no claim anywhere answers a bead (town_paused wins over breaker_open and no_work); resume lifts it', async () => {
    const { ref, townId } = await rigWithBeads(2);
    const status = await api.town.pause.mutate({ townId, reason: 'incident' });
    expect(status).toMatchObject({ paused: true, pauseReason: 'incident' });
    expect(await api.rig.claimBead.mutate({ ...ref, agentId: 'a' })).toEqual({ bead: null, reason: 'town_paused', nextClaimAt: null });
    expect(await api.town.status.query({ townId })).toMatchObject({ paused: true, pauseReason: 'incident' });
    const resumed = await api.town.resume.mutate({ townId });
    expect(resumed).toMatchObject({ paused: false, pauseReason: null, pausedAt: null });
    expect((await api.rig.claimBead.mutate({ ...ref, agentId: 'a' })).bead).not.toBeNull();
    const types = (await allEvents({ townId })).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['town.paused', 'town.resumed']));
  });

  it('a rig registered while the town is paused claims nothing (the town tells it on each claim)', async () => {
    const { townId } = await rigWithBeads(1);
    await api.town.pause.mutate({ townId, reason: 'incident' });
    const late = await api.rig.register.mutate({ townId, name: 'registered-while-paused' });
    await api.convoy.create.mutate({ townId, title: 'late', beads: [{ rigId: late.id, title: 'x' }] });
    const ref = { townId, rigId: late.id };
    expect(await api.rig.claimBead.mutate({ ...ref, agentId: 'a' })).toEqual({ bead: null, reason: 'town_paused', nextClaimAt: null });
    await api.town.resume.mutate({ townId });
    expect((await api.rig.claimBead.mutate({ ...ref, agentId: 'a' })).bead).not.toBeNull();
  });

  it('a lease running out while the town is paused counts no attempt and feeds no breaker', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const t0 = Date.parse('2031-03-02T00:00:00Z');
    vi.setSystemTime(t0);
    const { ref, townId } = await rigWithBeads(1);
    await api.town.setSettings.mutate({ townId, breakerFailures: 1 });
    await api.rig.claimBead.mutate({ ...ref, agentId: 'a', leaseSeconds: 60 });
    await api.town.pause.mutate({ townId, reason: 'stop' });
    vi.setSystemTime(t0 + 61_000);
    expect(await runDurableObjectAlarm(rigDo(ref.townId, ref.rigId))).toBe(true);
    await api.town.resume.mutate({ townId });
    const claim = await api.rig.claimBead.mutate({ ...ref, agentId: 'b' });
    expect(claim.reason).toBeNull();
    expect(claim.bead?.attempt).toBe(1);
    vi.setSystemTime(t0 + 70_000);
    await drainRigAlarm(ref.townId, ref.rigId);
  });
});
