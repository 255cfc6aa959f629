import { afterEach, describe, expect, it, vi } from 'vitest';
import { expectTrpcError } from '../helpers';
import { api, rigWithBeads } from './work-loop-helpers';

// rig.claimBead, renewLease, releaseBead: who holds what, for how long.

afterEach(() => vi.useRealTimers());

describe('rig.claimBead', () => {
  it('hands out the oldest claimable bead, in_progress, held by the agent until its lease ends, attempt 1', async () => {
    const { ref, beadIds, convoy } = await rigWithBeads(3);
    const started = Date.now();
    const { bead, reason, nextClaimAt } = await api.rig.claimBead.mutate({ ...ref, agentId: 'agent-a', leaseSeconds: 120 });
    expect(reason).toBeNull();
    expect(nextClaimAt).toBeNull();
    expect(bead).toMatchObject({
      id: beadIds[0],
      status: 'in_progress',
      heldBy: 'agent-a',
      attempt: 1,
      convoyId: convoy.id,
      outcome: null,
    });
    const lease = Date.parse(bead?.leaseExpiresAt ?? '') - started;
    expect(lease).toBeGreaterThanOrEqual(119_000);
    expect(lease).toBeLessThanOrEqual(121_000 + 5_000);
    const second = await api.rig.claimBead.mutate({ ...ref, agentId: 'agent-b' });
    expect(second.bead?.id).toBe(beadIds[1]);
    // The default lease is 600 s.
    expect(Date.parse(second.bead?.leaseExpiresAt ?? '') - Date.parse(second.bead?.createdAt ?? '')).toBeGreaterThanOrEqual(599_000);
  });

  it('is idempotent per agent: a retried claim gets the same bead, its lease renewed', async () => {
    const { ref, beadIds } = await rigWithBeads(2);
    const first = await api.rig.claimBead.mutate({ ...ref, agentId: 'agent-a', leaseSeconds: 60 });
    const again = await api.rig.claimBead.mutate({ ...ref, agentId: 'agent-a', leaseSeconds: 600 });
    expect(again.bead?.id).toBe(beadIds[0]);
    expect(again.bead?.attempt).toBe(1);
    expect(Date.parse(again.bead?.leaseExpiresAt ?? '')).toBeGreaterThan(Date.parse(first.bead?.leaseExpiresAt ?? ''));
    const open = await api.rig.beads.query({ ...ref, status: 'open' });
    expect(open.items.map((b) => b.id)).toEqual([beadIds[1]]);
  });

  it('answers no_work when everything is held, and never gives one bead to two of many concurrent claimers', async () => {
    const { ref, beadIds } = await rigWithBeads(30);
    const agents = Array.from({ length: 60 }, (_, i) => `agent-${i}`);
    const answers = await Promise.all(agents.map((agentId) => api.rig.claimBead.mutate({ ...ref, agentId })));
    const got = answers.flatMap((a) => (a.bead ? [a.bead.id] : []));
    expect(got).toHaveLength(30);
    expect(new Set(got).size).toBe(30);
    expect(new Set(got)).toEqual(new Set(beadIds));
    expect(answers.filter((a) => a.bead === null).map((a) => [a.reason, a.nextClaimAt])).toEqual(Array(30).fill(['no_work', null]));
    const held = await api.rig.beads.query({ ...ref, status: 'in_progress', limit: 100 });
    expect(new Set(held.items.map((b) => b.heldBy)).size).toBe(30);
  });

  it('validates its input, naming the field', async () => {
    const { ref } = await rigWithBeads(1);
    await expectTrpcError(api.rig.claimBead.mutate({ ...ref, agentId: '' }), 'BAD_REQUEST', /agentId/);
    await expectTrpcError(api.rig.claimBead.mutate({ ...ref, agentId: 'x'.repeat(129) }), 'BAD_REQUEST', /agentId/);
    await expectTrpcError(api.rig.claimBead.mutate({ ...ref, agentId: 'a', leaseSeconds: 29 }), 'BAD_REQUEST', /leaseSeconds/);
    await expectTrpcError(api.rig.claimBead.mutate({ ...ref, agentId: 'a', leaseSeconds: 3601 }), 'BAD_REQUEST', /leaseSeconds/);
    await expectTrpcError(api.rig.claimBead.mutate({ ...ref, rigId: 'nope', agentId: 'a' }), 'NOT_FOUND');
  });
});

describe('rig.renewLease and rig.releaseBead', () => {
  it('renews the holder’s lease; CONFLICT for anyone else', async () => {
    const { ref, beadIds } = await rigWithBeads(1);
    const beadId = beadIds[0] as string;
    await api.rig.claimBead.mutate({ ...ref, agentId: 'agent-a', leaseSeconds: 60 });
    const { leaseExpiresAt } = await api.rig.renewLease.mutate({ ...ref, beadId, agentId: 'agent-a', leaseSeconds: 900 });
    expect(Date.parse(leaseExpiresAt) - Date.now()).toBeGreaterThan(890_000);
    await expectTrpcError(api.rig.renewLease.mutate({ ...ref, beadId, agentId: 'agent-b' }), 'CONFLICT', /agent-b/);
  });

  it('gives a bead back untouched: open at once, no attempt counted; a repeat is the same answer', async () => {
    const { ref, beadIds } = await rigWithBeads(1);
    const beadId = beadIds[0] as string;
    await api.rig.claimBead.mutate({ ...ref, agentId: 'agent-a' });
    await expectTrpcError(api.rig.releaseBead.mutate({ ...ref, beadId, agentId: 'agent-b' }), 'CONFLICT');
    const released = await api.rig.releaseBead.mutate({ ...ref, beadId, agentId: 'agent-a' });
    expect(released).toMatchObject({ status: 'open', heldBy: null, leaseExpiresAt: null, attempt: 0, retryAt: null });
    expect(await api.rig.releaseBead.mutate({ ...ref, beadId, agentId: 'agent-a' })).toEqual(released);
    const next = await api.rig.claimBead.mutate({ ...ref, agentId: 'agent-b' });
    expect(next.bead).toMatchObject({ id: beadId, attempt: 1, heldBy: 'agent-b' });
  });
});
