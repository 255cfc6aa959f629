import { evictDurableObject } from 'cloudflare:test';
import { afterEach, describe, expect, it } from 'vitest';
import { allRigBeads, expectTrpcError, townStub } from '../helpers';
import { outboxRows } from '../town-helpers';
import { api, beadsFor, breakMethod, quietErrors, rigDo, rigTasks, runAlarmLater, townTasks, townWithRigs } from './convoy-helpers';

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.reverse()) cleanup();
  cleanups = [];
});
function broken(b: { restore: () => void; calls: () => number }) {
  cleanups.push(b.restore);
  return b;
}

describe('convoy delivery and notification under failure', () => {
  it('creates the convoy when a RigDO throws during distribution; the TownDO alarm delivers its beads once', async () => {
    cleanups.push(quietErrors());
    const { townId, rigs } = await townWithRigs('up', 'down');
    const { up, down } = rigs;
    const failing = broken(await breakMethod(rigDo(townId, down), 'receiveBeads'));

    const convoy = await api.convoy.create.mutate({ townId, title: 'partial', beads: [...beadsFor(up, 2), ...beadsFor(down, 3)] });
    expect(convoy).toMatchObject({ status: 'active', totalBeads: 5 });
    expect(failing.calls()).toBe(1);
    expect(await allRigBeads({ townId, rigId: up })).toHaveLength(2);
    expect(await allRigBeads({ townId, rigId: down })).toEqual([]);
    const pending = await townTasks(townId);
    expect(pending).toEqual([
      expect.objectContaining({ id: `convoy.deliver:${convoy.id}:${down}`, attempts: 1, lastError: expect.stringMatching(/injected/) }),
    ]);

    // Still down when the alarm first retries; the TownDO is evicted meanwhile.
    await runAlarmLater(townStub(townId));
    expect(failing.calls()).toBe(2);
    await evictDurableObject(townStub(townId));
    failing.restore();

    await runAlarmLater(townStub(townId));
    const arrived = await allRigBeads({ townId, rigId: down });
    // beadIds follow the input: up's 2 beads, then down's 3.
    expect(arrived.map((b) => b.id).sort()).toEqual(convoy.beadIds.slice(2).sort());
    expect(arrived.every((b) => b.convoyId === convoy.id)).toBe(true);
    expect(await townTasks(townId)).toEqual([]); // the delivery task was consumed
  });

  it('duplicates nothing when a delivery reached the rig but its answer was lost', async () => {
    cleanups.push(quietErrors());
    const { townId, rigs } = await townWithRigs('flaky');
    const flaky = rigs.flaky;
    const lossy = broken(await breakMethod(rigDo(townId, flaky), 'receiveBeads', 'after'));
    const convoy = await api.convoy.create.mutate({ townId, title: 'lossy', beads: beadsFor(flaky, 3) });
    expect(await allRigBeads({ townId, rigId: flaky })).toHaveLength(3);
    lossy.restore();
    await runAlarmLater(townStub(townId)); // retries the "failed" delivery: the rig already has every bead
    const beads = await allRigBeads({ townId, rigId: flaky });
    expect(beads.map((b) => b.id)).toEqual(convoy.beadIds);
    expect(await townTasks(townId)).toEqual([]);
  });

  it('retries from the rig when the TownDO is unreachable as a bead closes; the convoy still lands', async () => {
    cleanups.push(quietErrors());
    const { townId, rigs } = await townWithRigs('alpha');
    const alpha = rigs.alpha;
    const convoy = await api.convoy.create.mutate({ townId, title: 'far', beads: beadsFor(alpha, 2) });
    const [b0, b1] = convoy.beadIds as [string, string];
    await api.convoy.beadClosed.mutate({ townId, convoyId: convoy.id, beadId: b0 });

    const town = broken(await breakMethod(townStub(townId), 'onBeadClosed'));
    // The rig's close succeeds for its caller even though the town cannot hear it yet.
    expect(await api.rig.closeBead.mutate({ townId, rigId: alpha, beadId: b1 })).toMatchObject({ status: 'closed' });
    expect(town.calls()).toBe(1);
    expect(await rigTasks(townId, alpha)).toEqual([
      expect.objectContaining({ id: `bead-closed:${b1}`, attempts: 1, lastError: expect.stringMatching(/injected/) }),
    ]);
    expect(await api.convoy.get.query({ townId, convoyId: convoy.id })).toMatchObject({ status: 'active', closedBeads: 1 });

    await runAlarmLater(rigDo(townId, alpha)); // still unreachable: backs off again
    expect(town.calls()).toBe(2);
    expect((await rigTasks(townId, alpha))[0]?.attempts).toBe(2);
    await evictDurableObject(rigDo(townId, alpha));
    await evictDurableObject(townStub(townId));
    town.restore();

    await runAlarmLater(rigDo(townId, alpha));
    expect(await rigTasks(townId, alpha)).toEqual([]);
    expect(await api.convoy.get.query({ townId, convoyId: convoy.id })).toMatchObject({ status: 'landed', closedBeads: 2 });
    expect(new Set((await outboxRows(townId)).map((r) => r.eventId)).size).toBe(1);
  });
});

describe('convoy.cancel', () => {
  it('cancels an active convoy: open beads close as cancelled in the rigs, it never lands, and it takes no more beads', async () => {
    const { townId, rigs } = await townWithRigs('alpha', 'beta');
    const { alpha, beta } = rigs;
    const convoy = await api.convoy.create.mutate({ townId, title: 'scrap', beads: [...beadsFor(alpha, 2), ...beadsFor(beta, 1)] });
    const [a0, a1, b0] = convoy.beadIds as [string, string, string];
    await api.rig.closeBead.mutate({ townId, rigId: alpha, beadId: a0 });

    const cancelled = await api.convoy.cancel.mutate({ townId, convoyId: convoy.id });
    expect(cancelled).toMatchObject({ id: convoy.id, status: 'cancelled', closedBeads: 1, landedAt: null });
    expect(await api.convoy.cancel.mutate({ townId, convoyId: convoy.id })).toEqual(cancelled);

    const alphaBeads = await allRigBeads({ townId, rigId: alpha });
    expect(alphaBeads.map((b) => [b.id, b.status, b.closeReason])).toEqual([
      [a0, 'closed', 'done'],
      [a1, 'closed', 'cancelled'],
    ]);
    expect((await allRigBeads({ townId, rigId: beta })).map((b) => [b.id, b.closeReason])).toEqual([[b0, 'cancelled']]);

    // A close the town still hears (e.g. an external rig's) is recorded but never lands the convoy.
    await api.convoy.beadClosed.mutate({ townId, convoyId: convoy.id, beadId: a1 });
    const last = await api.convoy.beadClosed.mutate({ townId, convoyId: convoy.id, beadId: b0 });
    expect(last).toMatchObject({ status: 'cancelled', closedBeads: 3, totalBeads: 3, landedAt: null });
    expect(await outboxRows(townId)).toEqual([]);

    await expectTrpcError(api.convoy.addBeads.mutate({ townId, convoyId: convoy.id, beads: beadsFor(alpha, 1) }), 'CONFLICT', /cancelled/);
    expect(await api.convoy.get.query({ townId, convoyId: convoy.id })).toMatchObject({ totalBeads: 3 });
  });

  it('stores beads that reach a rig after the cancel as cancelled', async () => {
    cleanups.push(quietErrors());
    const { townId, rigs } = await townWithRigs('late');
    const late = rigs.late;
    const failing = broken(await breakMethod(rigDo(townId, late), 'receiveBeads'));
    const convoy = await api.convoy.create.mutate({ townId, title: 'late', beads: beadsFor(late, 2) });
    await api.convoy.cancel.mutate({ townId, convoyId: convoy.id });
    failing.restore();
    await runAlarmLater(townStub(townId));
    const beads = await allRigBeads({ townId, rigId: late });
    expect(beads.map((b) => [b.status, b.closeReason])).toEqual([
      ['closed', 'cancelled'],
      ['closed', 'cancelled'],
    ]);
  });

  it('refuses to cancel a landed convoy', async () => {
    const { townId, rigs } = await townWithRigs('alpha');
    const convoy = await api.convoy.create.mutate({ townId, title: 'done', beads: beadsFor(rigs.alpha, 1) });
    await api.convoy.beadClosed.mutate({ townId, convoyId: convoy.id, beadId: convoy.beadIds[0] as string });
    await expectTrpcError(api.convoy.cancel.mutate({ townId, convoyId: convoy.id }), 'CONFLICT', /landed/);
    expect(await api.convoy.get.query({ townId, convoyId: convoy.id })).toMatchObject({ status: 'landed' });
  });
});
