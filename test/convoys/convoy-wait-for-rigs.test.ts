import { afterEach, describe, expect, it, vi } from 'vitest';
import { allRigBeads, townStub } from '../helpers';
import { api, beadsFor, breakMethod, quietErrors, rigDo, runAlarmLater, townTasks, townWithRigs } from './convoy-helpers';

// convoy.create / addBeads `waitForRigs: false`: the answer comes once the town has committed the
// convoy and its delivery tasks; the rigs get their beads right after, and `pendingDeliveries` says how
// many rigs still wait. The default (true) answers once every rig holds its beads.

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.reverse()) cleanup();
  cleanups = [];
});

/** Until the town says no rig waits (the background attempt has landed); bounded generously, not timed. */
const delivered = (townId: string, convoyId: string) =>
  vi.waitFor(async () => expect(await api.convoy.get.query({ townId, convoyId })).toMatchObject({ pendingDeliveries: 0 }), {
    timeout: 30_000,
    interval: 5,
  });

describe('convoy.create waitForRigs', () => {
  it('by default answers once every rig holds its beads: pendingDeliveries 0 at once', async () => {
    const { townId, rigs } = await townWithRigs('a', 'b');
    const convoy = await api.convoy.create.mutate({ townId, title: 'waited', beads: [...beadsFor(rigs.a, 2), ...beadsFor(rigs.b, 1)] });
    expect(convoy.pendingDeliveries).toBe(0);
    expect(await allRigBeads({ townId, rigId: rigs.a })).toHaveLength(2);
    expect(await allRigBeads({ townId, rigId: rigs.b })).toHaveLength(1);
  });

  it('false answers after the town commit with the rigs still to reach, and delivers them right after', async () => {
    const { townId, rigs } = await townWithRigs('a', 'b');
    const convoy = await api.convoy.create.mutate({
      townId,
      title: 'fast',
      beads: [...beadsFor(rigs.a, 2), ...beadsFor(rigs.b, 1)],
      waitForRigs: false,
    });
    // Answered before any delivery attempt finished: both rigs' tasks are still scheduled.
    expect(convoy.pendingDeliveries).toBe(2);
    await delivered(townId, convoy.id);
    expect((await allRigBeads({ townId, rigId: rigs.a })).map((b) => b.id)).toEqual(convoy.beadIds.slice(0, 2));
    expect((await allRigBeads({ townId, rigId: rigs.b })).map((b) => b.id)).toEqual(convoy.beadIds.slice(2));
    expect((await townTasks(townId)).filter((t) => t.id.startsWith('convoy.deliver:'))).toEqual([]);
  });

  it('false loses nothing when a rig is down: the delivery stays pending and the alarm brings it', async () => {
    cleanups.push(quietErrors());
    const { townId, rigs } = await townWithRigs('up', 'down');
    const failing = await breakMethod(rigDo(townId, rigs.down), 'receiveBeads');
    cleanups.push(failing.restore);
    const convoy = await api.convoy.create.mutate({
      townId,
      title: 'partial',
      beads: [...beadsFor(rigs.up, 1), ...beadsFor(rigs.down, 2)],
      waitForRigs: false,
    });
    await vi.waitFor(() => expect(failing.calls()).toBe(1), { timeout: 30_000, interval: 5 });
    await vi.waitFor(async () => expect(await allRigBeads({ townId, rigId: rigs.up })).toHaveLength(1), { timeout: 30_000, interval: 5 });
    await vi.waitFor(
      async () =>
        expect(await townTasks(townId)).toContainEqual(
          expect.objectContaining({
            id: `convoy.deliver:${convoy.id}:${rigs.down}`,
            attempts: 1,
            lastError: expect.stringMatching(/injected/),
          }),
        ),
      { timeout: 30_000, interval: 5 },
    );
    expect(await api.convoy.get.query({ townId, convoyId: convoy.id })).toMatchObject({ pendingDeliveries: 1 });
    failing.restore();
    await runAlarmLater(townStub(townId));
    expect((await allRigBeads({ townId, rigId: rigs.down })).map((b) => b.id)).toEqual(convoy.beadIds.slice(1));
    expect(await api.convoy.get.query({ townId, convoyId: convoy.id })).toMatchObject({ pendingDeliveries: 0 });
  });

  it('addBeads takes it too', async () => {
    const { townId, rigs } = await townWithRigs('a');
    const convoy = await api.convoy.create.mutate({ townId, title: 'grow', beads: beadsFor(rigs.a, 1) });
    const more = await api.convoy.addBeads.mutate({ townId, convoyId: convoy.id, beads: beadsFor(rigs.a, 2), waitForRigs: false });
    expect(more.pendingDeliveries).toBe(1);
    await delivered(townId, convoy.id);
    expect(await allRigBeads({ townId, rigId: rigs.a })).toHaveLength(3);
  });
});
