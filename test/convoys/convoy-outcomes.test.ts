import { describe, expect, it } from 'vitest';
import { allEvents, expectTrpcError, townStub } from '../helpers';
import { drainRigAlarm, rigWithBeads } from '../rigs/work-loop-helpers';
import { settle } from '../town-helpers';
import { api } from './convoy-helpers';

// A convoy that says whether it really succeeded: failed beads make it `failed` (notified once, an
// escalation), convoy.retryFailed gives them a fresh budget, and a failed convoy is settled like a landed one.

/** Fails `beadId` for good (maxAttempts 1): claimed by `agentId`, closed failed. */
async function failBead(ref: { townId: string; rigId: string }, beadId: string, agentId = 'agent') {
  const { bead } = await api.rig.claimBead.mutate({ ...ref, agentId });
  expect(bead?.id).toBe(beadId);
  return api.rig.closeBead.mutate({ ...ref, beadId, agentId, outcome: 'failed', reason: 'broken' });
}

describe('failed convoys', () => {
  it('fail when every bead is closed and one failed; notify the Mayor once; retryFailed reopens the failed beads', async () => {
    const { ref, beadIds, convoy } = await rigWithBeads(2, { maxAttempts: 1 });
    const { townId } = ref;
    const [b0, b1] = beadIds as [string, string];
    await expectTrpcError(api.convoy.retryFailed.mutate({ townId, convoyId: convoy.id }), 'CONFLICT', /active, not failed/);
    await failBead(ref, b0);
    expect(await api.convoy.get.query({ townId, convoyId: convoy.id })).toMatchObject({ status: 'active', failedBeads: 1, closedBeads: 1 });
    await api.rig.closeBead.mutate({ ...ref, beadId: b1 });
    const failed = await api.convoy.get.query({ townId, convoyId: convoy.id });
    expect(failed).toMatchObject({ status: 'failed', doneBeads: 1, failedBeads: 1, skippedBeads: 0, closedBeads: 2, landedAt: null });
    expect(failed.rigs).toEqual([{ rigId: ref.rigId, totalBeads: 2, closedBeads: 2, doneBeads: 1, failedBeads: 1, skippedBeads: 0 }]);
    expect((await api.convoy.list.query({ townId, status: 'failed' })).items.map((c) => c.id)).toEqual([convoy.id]);
    expect((await api.convoy.list.query({ townId, status: 'landed' })).items).toEqual([]);
    await expectTrpcError(api.convoy.cancel.mutate({ townId, convoyId: convoy.id }), 'CONFLICT', /failed/);
    // A repeated close notice changes nothing: one failure, one notification.
    await api.convoy.beadClosed.mutate({ townId, convoyId: convoy.id, beadId: b1 });
    await settle(townId);
    // The Mayor hears it twice, each once: the convoy.failed notice and the escalation it raised.
    const mail = (await api.mayor.mail.list.query({ townId })).items.map((m) => m.subject);
    expect(mail.filter((s) => s.includes('Convoy "work" failed (1 of 2 beads failed)'))).toHaveLength(1);
    expect(mail.filter((s) => s.includes('HIGH escalation from town'))).toHaveLength(1);
    const [escalation] = (await api.escalation.list.query({ townId, status: 'open' })).items;
    expect(escalation).toMatchObject({
      sourceRigId: 'town',
      severity: 'high',
      dedupKey: `convoy-failed:${convoy.id}`,
      convoyId: convoy.id,
    });

    const retried = await api.convoy.retryFailed.mutate({ townId, convoyId: convoy.id });
    expect(retried).toMatchObject({ status: 'active', failedBeads: 0, doneBeads: 1, closedBeads: 1, failedAt: null });
    expect(retried.rigs).toEqual([{ rigId: ref.rigId, totalBeads: 2, closedBeads: 1, doneBeads: 1, failedBeads: 0, skippedBeads: 0 }]);
    expect((await api.escalation.get.query({ townId, escalationId: escalation?.id ?? '' })).resolvedAt).not.toBeNull();
    // The rig reopened it with a fresh budget: attempt counts from 1 again.
    const again = await api.rig.claimBead.mutate({ ...ref, agentId: 'second' });
    expect(again.bead).toMatchObject({ id: b0, attempt: 1, outcome: null });
    await drainRigAlarm(townId, ref.rigId); // the claim's report: the town's copy says who holds it
    const heldRow = (await api.convoy.beads.query({ townId, convoyId: convoy.id })).items[0];
    expect(heldRow).toMatchObject({ id: b0, status: 'open', outcome: null, attempt: 1, heldBy: 'second' });
    await api.rig.closeBead.mutate({ ...ref, beadId: b0, agentId: 'second', ref: 'abc' });
    const closedRow = (await api.convoy.beads.query({ townId, convoyId: convoy.id })).items[0];
    expect(closedRow).toMatchObject({ status: 'closed', outcome: 'done', attempt: 1, heldBy: null, ref: 'abc' });
    expect(await api.convoy.get.query({ townId, convoyId: convoy.id })).toMatchObject({ status: 'landed', doneBeads: 2, failedBeads: 0 });
    await drainRigAlarm(townId, ref.rigId);
    const types = (await allEvents({ townId, convoyId: convoy.id })).map((e) => e.type);
    expect(types.filter((t) => ['convoy.failed', 'convoy.retried', 'convoy.landed'].includes(t))).toEqual([
      'convoy.failed',
      'convoy.retried',
      'convoy.landed',
    ]);
    const closes = (await allEvents({ townId, convoyId: convoy.id, types: ['convoy.bead_closed'] })).map((e) => e.data.outcome);
    expect(closes).toEqual(['failed', 'done', 'done']);
  });

  it('ignores a late copy of a close notice from before convoy.retryFailed (its generation is behind)', async () => {
    const { ref, beadIds, convoy } = await rigWithBeads(2, { maxAttempts: 1 });
    const { townId } = ref;
    const [b0, b1] = beadIds as [string, string];
    await failBead(ref, b0);
    await api.rig.closeBead.mutate({ ...ref, beadId: b1 });
    expect(await api.convoy.get.query({ townId, convoyId: convoy.id })).toMatchObject({ status: 'failed', failedBeads: 1 });
    await api.convoy.retryFailed.mutate({ townId, convoyId: convoy.id });
    // The rig's notice of the failure, as it sent it before the retry, delivered again (a retried
    // delivery whose first answer was lost, or one that was in flight during the retry).
    const oldNotice = { outcome: 'failed', attempt: 1, reason: 'broken', ref: null, generation: 0 } as const;
    const replayed = await townStub(townId).onBeadClosed(townId, convoy.id, b0, oldNotice);
    expect(replayed).toMatchObject({ ok: true, value: { status: 'active' } });
    expect(await api.convoy.get.query({ townId, convoyId: convoy.id })).toMatchObject({
      status: 'active',
      failedBeads: 0,
      closedBeads: 1,
    });
    expect((await api.convoy.beads.query({ townId, convoyId: convoy.id })).items[0]).toMatchObject({
      id: b0,
      status: 'open',
      outcome: null,
    });
    // The reopened bead's own close (the rig's next generation) counts, and the convoy lands.
    const again = await api.rig.claimBead.mutate({ ...ref, agentId: 'second' });
    expect(again.bead?.id).toBe(b0);
    await api.rig.closeBead.mutate({ ...ref, beadId: b0, agentId: 'second' });
    expect(await api.convoy.get.query({ townId, convoyId: convoy.id })).toMatchObject({ status: 'landed', doneBeads: 2, failedBeads: 0 });
    const closes = (await allEvents({ townId, convoyId: convoy.id, types: ['convoy.bead_closed'] })).map((e) => e.data.outcome);
    expect(closes).toEqual(['failed', 'done', 'done']);
  });

  it('reopens on addBeads like a landed convoy, resolving its failure', async () => {
    const { ref, beadIds, convoy } = await rigWithBeads(1, { maxAttempts: 1 });
    await failBead(ref, beadIds[0] as string);
    const reopened = await api.convoy.addBeads.mutate({
      townId: ref.townId,
      convoyId: convoy.id,
      beads: [{ rigId: ref.rigId, title: 'more' }],
    });
    expect(reopened).toMatchObject({ status: 'active', failedBeads: 1, totalBeads: 2 });
    expect((await api.escalation.list.query({ townId: ref.townId, status: 'open' })).items).toEqual([]);
  });

  it('validates maxAttempts (1–10) and requireRef on create', async () => {
    const { ref } = await rigWithBeads(0 + 1);
    const base = { townId: ref.townId, title: 't', beads: [{ rigId: ref.rigId, title: 'b' }] };
    await expectTrpcError(api.convoy.create.mutate({ ...base, maxAttempts: 0 }), 'BAD_REQUEST', /maxAttempts/);
    await expectTrpcError(api.convoy.create.mutate({ ...base, maxAttempts: 11 }), 'BAD_REQUEST', /maxAttempts/);
    expect(await api.convoy.create.mutate({ ...base, maxAttempts: 10, requireRef: true })).toMatchObject({
      maxAttempts: 10,
      requireRef: true,
    });
  });
});
