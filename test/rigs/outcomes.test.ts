import { runDurableObjectAlarm } from 'cloudflare:test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { retryBackoffMs } from '../../server/rigs/backoff';
import { allEvents, expectTrpcError } from '../helpers';
import { settle } from '../town-helpers';
import { api, drainRigAlarm, rigDo, rigWithBeads } from './work-loop-helpers';

// rig.closeBead with outcomes, failed attempts, backoff, the attempt cap and lease expiry.

afterEach(() => vi.useRealTimers());

describe('retry backoff', () => {
  it('is 30 s × 2^(attempt − 1), at most 15 min', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 50].map(retryBackoffMs)).toEqual([30_000, 60_000, 120_000, 240_000, 480_000, 900_000, 900_000, 900_000]);
  });
});

describe('rig.closeBead', () => {
  it('closes done, skipped with reason and ref; a repeat counts once; the holder only', async () => {
    const { ref, beadIds, convoy } = await rigWithBeads(2);
    const [b0, b1] = beadIds as [string, string];
    await api.rig.claimBead.mutate({ ...ref, agentId: 'agent-a' });
    await expectTrpcError(api.rig.closeBead.mutate({ ...ref, beadId: b0, agentId: 'agent-b' }), 'CONFLICT', /not held/);
    await expectTrpcError(api.rig.closeBead.mutate({ ...ref, beadId: b0 }), 'CONFLICT', /held by agent agent-a/);
    const done = await api.rig.closeBead.mutate({ ...ref, beadId: b0, agentId: 'agent-a', ref: 'https://example.com/pr/1' });
    expect(done).toMatchObject({
      status: 'closed',
      outcome: 'done',
      closeReason: 'done',
      heldBy: null,
      ref: 'https://example.com/pr/1',
      attempt: 1,
    });
    expect(await api.rig.closeBead.mutate({ ...ref, beadId: b0, agentId: 'agent-a', ref: 'https://example.com/pr/1' })).toEqual(done);
    await expectTrpcError(
      api.rig.closeBead.mutate({ ...ref, beadId: b0, agentId: 'agent-a', outcome: 'failed' }),
      'CONFLICT',
      /already closed/,
    );
    // Without an agent, an unheld open bead closes as before.
    const skipped = await api.rig.closeBead.mutate({ ...ref, beadId: b1, outcome: 'skipped', reason: 'not needed' });
    expect(skipped).toMatchObject({ outcome: 'skipped', reason: 'not needed', attempt: 0 });
    const got = await api.convoy.get.query({ townId: ref.townId, convoyId: convoy.id });
    expect(got).toMatchObject({ status: 'landed', doneBeads: 1, skippedBeads: 1, failedBeads: 0, closedBeads: 2 });
    const beads = await api.convoy.beads.query({ townId: ref.townId, convoyId: convoy.id });
    expect(beads.items.map((b) => b.outcome)).toEqual(['done', 'skipped']);
  });

  it('refuses done without ref when the convoy requires one; validates reason and ref sizes', async () => {
    const { ref, beadIds } = await rigWithBeads(1, { requireRef: true });
    const beadId = beadIds[0] as string;
    await expectTrpcError(api.rig.closeBead.mutate({ ...ref, beadId }), 'BAD_REQUEST', /^ref: required/);
    await expectTrpcError(api.rig.closeBead.mutate({ ...ref, beadId, reason: 'x'.repeat(1_001) }), 'BAD_REQUEST', /reason/);
    await expectTrpcError(api.rig.closeBead.mutate({ ...ref, beadId, ref: 'x'.repeat(513) }), 'BAD_REQUEST', /ref/);
    expect(await api.rig.closeBead.mutate({ ...ref, beadId, ref: 'abc123' })).toMatchObject({ outcome: 'done', ref: 'abc123' });
  });

  it('retries a failed attempt after its backoff and fails the bead (and the convoy) after maxAttempts', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const t0 = Date.parse('2031-01-01T00:00:00Z');
    vi.setSystemTime(t0);
    const { ref, beadIds, convoy } = await rigWithBeads(1, { maxAttempts: 2 });
    const beadId = beadIds[0] as string;
    await api.rig.claimBead.mutate({ ...ref, agentId: 'agent-a' });
    const failed = await api.rig.closeBead.mutate({ ...ref, beadId, agentId: 'agent-a', outcome: 'failed', reason: 'tests red' });
    expect(failed).toMatchObject({
      status: 'open',
      outcome: null,
      attempt: 1,
      reason: 'tests red',
      retryAt: new Date(t0 + 30_000).toISOString(),
    });
    // A repeat of that failure counts once.
    expect(await api.rig.closeBead.mutate({ ...ref, beadId, agentId: 'agent-a', outcome: 'failed', reason: 'tests red' })).toEqual(failed);
    expect(await api.rig.claimBead.mutate({ ...ref, agentId: 'agent-b' })).toEqual({
      bead: null,
      reason: 'no_work',
      nextClaimAt: failed.retryAt,
    });
    vi.setSystemTime(t0 + 30_000);
    const second = await api.rig.claimBead.mutate({ ...ref, agentId: 'agent-b' });
    expect(second.bead).toMatchObject({ id: beadId, attempt: 2, heldBy: 'agent-b' });
    const final = await api.rig.closeBead.mutate({ ...ref, beadId, agentId: 'agent-b', outcome: 'failed', reason: 'still red' });
    expect(final).toMatchObject({ status: 'closed', outcome: 'failed', attempt: 2, retryAt: null, reason: 'still red' });
    const got = await api.convoy.get.query({ townId: ref.townId, convoyId: convoy.id });
    expect(got).toMatchObject({ status: 'failed', failedBeads: 1, closedBeads: 1, failedAt: expect.any(String) });
    const escalations = await api.escalation.list.query({ townId: ref.townId });
    expect(escalations.items.map((e) => [e.sourceRigId, e.severity, e.dedupKey])).toEqual([['town', 'high', `convoy-failed:${convoy.id}`]]);
    // The rig's batched reports go out with its alarm, a second later.
    vi.setSystemTime(t0 + 40_000);
    await drainRigAlarm(ref.townId, ref.rigId);
    await settle(ref.townId);
    const types = (await allEvents({ townId: ref.townId, convoyId: convoy.id })).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['bead.claimed', 'bead.attempt_failed', 'convoy.bead_closed', 'convoy.failed']));
    expect(types.filter((t) => t === 'convoy.failed')).toHaveLength(1);
  });

  it('counts a lease that runs out as a failed attempt (the alarm, with the fake clock); its former holder gets CONFLICT', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const t0 = Date.parse('2031-02-01T00:00:00Z');
    vi.setSystemTime(t0);
    const { ref, beadIds } = await rigWithBeads(1);
    const beadId = beadIds[0] as string;
    await api.rig.claimBead.mutate({ ...ref, agentId: 'agent-a', leaseSeconds: 60 });
    vi.setSystemTime(t0 + 61_000);
    expect(await runDurableObjectAlarm(rigDo(ref.townId, ref.rigId))).toBe(true);
    const [bead] = (await api.rig.beads.query(ref)).items;
    expect(bead).toMatchObject({
      status: 'open',
      heldBy: null,
      attempt: 1,
      reason: 'lease expired',
      retryAt: new Date(t0 + 61_000 + 30_000).toISOString(),
    });
    await expectTrpcError(api.rig.closeBead.mutate({ ...ref, beadId, agentId: 'agent-a' }), 'CONFLICT');
    await expectTrpcError(api.rig.renewLease.mutate({ ...ref, beadId, agentId: 'agent-a' }), 'CONFLICT');
  });

  it('expires a lease on the next call even before the alarm runs', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const t0 = Date.parse('2031-03-01T00:00:00Z');
    vi.setSystemTime(t0);
    const { ref, beadIds } = await rigWithBeads(1);
    await api.rig.claimBead.mutate({ ...ref, agentId: 'agent-a', leaseSeconds: 30 });
    vi.setSystemTime(t0 + 31_000);
    await expectTrpcError(api.rig.closeBead.mutate({ ...ref, beadId: beadIds[0] as string, agentId: 'agent-a' }), 'CONFLICT');
    // The same agent claiming again does not get its expired bead back: it waits out its backoff.
    expect(await api.rig.claimBead.mutate({ ...ref, agentId: 'agent-a' })).toMatchObject({ bead: null, reason: 'no_work' });
  });
});
