import { evictDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { allConvoyBeads, allRigBeads, townStub } from '../helpers';
import { hookUrl } from '../receiver';
import { outboxRows } from '../town-helpers';
import { api, beadsFor, breakMethod, rigDo, townWithRigs } from './convoy-helpers';

describe('convoy lifecycle', () => {
  it('creates a convoy whose beads land in each RigDO, once per rig, with the convoy id', async () => {
    const { townId, rigs } = await townWithRigs('alpha', 'beta');
    const convoy = await api.convoy.create.mutate({
      townId,
      title: 'Ship auth',
      createdBy: 'mayor',
      beads: [
        { rigId: rigs.alpha, title: 'schema', body: 'add users table' },
        { rigId: rigs.beta, title: 'ui' },
        { rigId: rigs.alpha, title: 'api' },
      ],
    });
    expect(convoy).toEqual({
      id: expect.any(String),
      title: 'Ship auth',
      status: 'active',
      totalBeads: 3,
      closedBeads: 0,
      doneBeads: 0,
      failedBeads: 0,
      skippedBeads: 0,
      maxAttempts: 3,
      requireRef: false,
      priority: 2,
      failedAt: null,
      lastProgressAt: null,
      createdBy: 'mayor',
      pendingDeliveries: 0,
      createdAt: expect.any(String),
      landedAt: null,
      rigs: [
        { rigId: rigs.alpha, totalBeads: 2, closedBeads: 0, doneBeads: 0, failedBeads: 0, skippedBeads: 0 },
        { rigId: rigs.beta, totalBeads: 1, closedBeads: 0, doneBeads: 0, failedBeads: 0, skippedBeads: 0 },
      ].sort((a, b) => a.rigId.localeCompare(b.rigId)),
      beadIds: [expect.any(String), expect.any(String), expect.any(String)],
      compactedAt: null,
      dueAt: null,
      forecast: { expectedLandAt: null, health: 'no_estimate' },
      watchers: 0,
      readyBeads: 3,
      blockedBeads: 0,
      waves: 1,
      pausedAt: null,
      pauseReason: null,
      pauses: [],
      spent: 0,
      budget: null,
      newWatchers: [],
    });
    expect(new Date(convoy.createdAt).toISOString()).toBe(convoy.createdAt);
    const { beadIds, newWatchers: _none, ...got } = convoy;
    expect(await api.convoy.get.query({ townId, convoyId: convoy.id })).toEqual(got);
    expect(await allConvoyBeads({ townId, convoyId: convoy.id })).toEqual([
      {
        id: beadIds[0],
        rigId: rigs.alpha,
        title: 'schema',
        status: 'open',
        outcome: null,
        attempt: 0,
        heldBy: null,
        ref: null,
        key: null,
        dependsOn: [],
        blocked: false,
        spent: 0,
      },
      {
        id: beadIds[1],
        rigId: rigs.beta,
        title: 'ui',
        status: 'open',
        outcome: null,
        attempt: 0,
        heldBy: null,
        ref: null,
        key: null,
        dependsOn: [],
        blocked: false,
        spent: 0,
      },
      {
        id: beadIds[2],
        rigId: rigs.alpha,
        title: 'api',
        status: 'open',
        outcome: null,
        attempt: 0,
        heldBy: null,
        ref: null,
        key: null,
        dependsOn: [],
        blocked: false,
        spent: 0,
      },
    ]);

    const alphaBeads = await allRigBeads({ townId, rigId: rigs.alpha });
    expect(alphaBeads.map((b) => [b.id, b.title, b.body, b.status, b.convoyId])).toEqual([
      [beadIds[0], 'schema', 'add users table', 'open', convoy.id],
      [beadIds[2], 'api', null, 'open', convoy.id],
    ]);
    const betaBeads = await allRigBeads({ townId, rigId: rigs.beta });
    expect(betaBeads.map((b) => [b.id, b.convoyId])).toEqual([[beadIds[1], convoy.id]]);
  });

  it('lands when the rigs close every bead, enqueues one convoy.landed event, and reopens and lands again', async () => {
    const { townId, rigs } = await townWithRigs('alpha', 'beta');
    // With a webhook configured, the landing goes to the Mayor and the webhook.
    await api.escalation.setRouting.mutate({ townId, webhookUrl: hookUrl(`landed-${townId}`) });
    const alpha = rigs.alpha;
    const beta = rigs.beta;
    const convoy = await api.convoy.create.mutate({ townId, title: 'Release', beads: [...beadsFor(alpha, 2), ...beadsFor(beta, 1)] });
    const [a0, a1, b0] = convoy.beadIds as [string, string, string];

    const closed = await api.rig.closeBead.mutate({ townId, rigId: alpha, beadId: a0 });
    expect(closed).toMatchObject({ id: a0, status: 'closed', closeReason: 'done', closedAt: expect.any(String) });
    await evictDurableObject(townStub(townId));
    await evictDurableObject(rigDo(townId, alpha));
    expect(await api.convoy.get.query({ townId, convoyId: convoy.id })).toMatchObject({ status: 'active', closedBeads: 1 });
    // Closing again in the rig tells the town nothing new.
    await api.rig.closeBead.mutate({ townId, rigId: alpha, beadId: a0 });
    await api.rig.closeBead.mutate({ townId, rigId: alpha, beadId: a1 });
    expect(await outboxRows(townId)).toEqual([]);
    await api.rig.closeBead.mutate({ townId, rigId: beta, beadId: b0 });

    const landed = await api.convoy.get.query({ townId, convoyId: convoy.id });
    expect(landed).toMatchObject({ status: 'landed', closedBeads: 3, totalBeads: 3, landedAt: expect.any(String) });
    expect((await allConvoyBeads({ townId, convoyId: convoy.id })).every((b) => b.status === 'closed')).toBe(true);
    const firstEvent = await outboxRows(townId);
    expect(firstEvent.map((r) => [r.type, r.channel]).sort()).toEqual([
      ['convoy.landed', 'mayor'],
      ['convoy.landed', 'webhook'],
    ]);
    expect(new Set(firstEvent.map((r) => r.eventId)).size).toBe(1);
    const {
      rigs: _rigs,
      dueAt: _dueAt,
      forecast: _forecast,
      watchers: _watchers,
      readyBeads: _r,
      blockedBeads: _b,
      waves: _w,
      pausedAt: _p,
      pauseReason: _pr,
      pauses: _ps,
      spent: _s,
      budget: _bu,
      pendingDeliveries: _pd,
      ...summary
    } = landed;
    expect(firstEvent[0]?.payload).toMatchObject({ type: 'convoy.landed', data: summary });

    // Reopen: the added bead goes to its rig, the convoy is active again and lands again on its close.
    const reopened = await api.convoy.addBeads.mutate({ townId, convoyId: convoy.id, beads: [{ rigId: beta, title: 'hotfix' }] });
    expect(reopened).toMatchObject({ status: 'active', totalBeads: 4, closedBeads: 3, landedAt: null, added: 1 });
    const [hotfix] = reopened.beadIds as [string];
    expect(reopened.rigs.find((r) => r.rigId === beta)).toEqual({
      rigId: beta,
      totalBeads: 2,
      closedBeads: 1,
      doneBeads: 1,
      failedBeads: 0,
      skippedBeads: 0,
    });
    expect(await allConvoyBeads({ townId, convoyId: convoy.id, status: 'open' })).toEqual([
      {
        id: hotfix,
        rigId: beta,
        title: 'hotfix',
        status: 'open',
        outcome: null,
        attempt: 0,
        heldBy: null,
        ref: null,
        key: null,
        dependsOn: [],
        blocked: false,
        spent: 0,
      },
    ]);
    await evictDurableObject(rigDo(townId, beta));
    expect((await allRigBeads({ townId, rigId: beta, status: 'open' })).map((b) => b.id)).toEqual([hotfix]);
    await api.rig.closeBead.mutate({ townId, rigId: beta, beadId: hotfix });
    expect(await api.convoy.get.query({ townId, convoyId: convoy.id })).toMatchObject({ status: 'landed', closedBeads: 4 });
    const events = new Set((await outboxRows(townId)).map((r) => r.eventId));
    expect(events.size).toBe(2);
  });

  it('never double counts a repeated beadClosed', async () => {
    const { townId, rigs } = await townWithRigs('alpha');
    const convoy = await api.convoy.create.mutate({ townId, title: 'twice', beads: beadsFor(rigs.alpha, 2) });
    const [b0, b1] = convoy.beadIds as [string, string];
    for (let i = 0; i < 3; i += 1) {
      expect(await api.convoy.beadClosed.mutate({ townId, convoyId: convoy.id, beadId: b0 })).toMatchObject({
        status: 'active',
        closedBeads: 1,
      });
    }
    await api.convoy.beadClosed.mutate({ townId, convoyId: convoy.id, beadId: b1 });
    const again = await api.convoy.beadClosed.mutate({ townId, convoyId: convoy.id, beadId: b1 });
    expect(again).toMatchObject({ status: 'landed', closedBeads: 2, totalBeads: 2 });
    expect(new Set((await outboxRows(townId)).map((r) => r.eventId)).size).toBe(1);
  });

  it('returns the same convoy for the same idempotency key', async () => {
    const { townId, rigs } = await townWithRigs('alpha');
    const input = { townId, title: 'once', beads: beadsFor(rigs.alpha, 2), idempotencyKey: 'req-42' };
    const first = await api.convoy.create.mutate(input);
    const second = await api.convoy.create.mutate(input);
    expect(second).toEqual(first);
    expect((await api.convoy.list.query({ townId })).items.map((c) => c.id)).toEqual([first.id]);
    expect(await allRigBeads({ townId, rigId: rigs.alpha })).toHaveLength(2);
    // Another key is another convoy.
    const third = await api.convoy.create.mutate({ ...input, idempotencyKey: 'req-43' });
    expect(third.id).not.toBe(first.id);
  });

  it('adds the beads of a retried addBeads once, and a retry after landing does not reopen the convoy', async () => {
    const { townId, rigs } = await townWithRigs('alpha');
    const convoy = await api.convoy.create.mutate({ townId, title: 'grows', beads: beadsFor(rigs.alpha, 1) });
    const more = { townId, convoyId: convoy.id, beads: beadsFor(rigs.alpha, 2), idempotencyKey: 'add-1' };
    const first = await api.convoy.addBeads.mutate(more);
    const retry = await api.convoy.addBeads.mutate(more);
    expect(first).toMatchObject({ totalBeads: 3, added: 2 });
    expect(first.beadIds).toHaveLength(2);
    // A retry names the same beads, and adds none of them again.
    expect(retry).toMatchObject({ totalBeads: 3, added: 0, beadIds: first.beadIds });
    expect(await allRigBeads({ townId, rigId: rigs.alpha })).toHaveLength(3);

    for (const bead of await allConvoyBeads({ townId, convoyId: convoy.id })) {
      await api.rig.closeBead.mutate({ townId, rigId: rigs.alpha, beadId: bead.id });
    }
    expect(await api.convoy.get.query({ townId, convoyId: convoy.id })).toMatchObject({ status: 'landed', closedBeads: 3 });
    expect(await api.convoy.addBeads.mutate(more)).toMatchObject({ status: 'landed', totalBeads: 3, added: 0 });
    // Another key adds more, and reopens.
    expect(await api.convoy.addBeads.mutate({ ...more, idempotencyKey: 'add-2' })).toMatchObject({ status: 'active', totalBeads: 5 });
  });

  it('hands each rig its beads in one RPC, however many beads it gets', async () => {
    const { townId, rigs } = await townWithRigs('alpha', 'beta');
    const watched = await Promise.all([
      breakMethod(rigDo(townId, rigs.alpha), 'receiveBeads', 'count'),
      breakMethod(rigDo(townId, rigs.beta), 'receiveBeads', 'count'),
    ]);
    try {
      await api.convoy.create.mutate({ townId, title: 'grouped', beads: [...beadsFor(rigs.alpha, 7), ...beadsFor(rigs.beta, 3)] });
      expect(watched.map((w) => w.calls())).toEqual([1, 1]);
    } finally {
      for (const w of watched) w.restore();
    }
  });
});
