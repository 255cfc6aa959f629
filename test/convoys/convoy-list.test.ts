import { afterEach, describe, expect, it, vi } from 'vitest';
import { allRigBeads, expectTrpcError } from '../helpers';
import { api, beadsFor, rigDo, townWithRigs } from './convoy-helpers';

afterEach(() => {
  vi.useRealTimers();
});

describe('convoy.list', () => {
  it('pages newest first with a cursor that stays stable as convoys are added', async () => {
    const { townId, rigs } = await townWithRigs('alpha');
    const beads = beadsFor(rigs.alpha, 1);
    const start = Date.parse('2030-01-01T00:00:00.000Z');
    vi.useFakeTimers({ toFake: ['Date'] });
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      vi.setSystemTime(start + i * 1000);
      ids.push((await api.convoy.create.mutate({ townId, title: `c${i}`, beads })).id);
    }
    // Two convoys in the same millisecond are still ordered (by id) and neither is skipped.
    ids.push((await api.convoy.create.mutate({ townId, title: 'c5', beads })).id);
    const newestFirst = [ids[5], ids[4]]
      .sort()
      .reverse()
      .concat([ids[3], ids[2], ids[1], ids[0]] as string[]);

    const page1 = await api.convoy.list.query({ townId, limit: 2 });
    expect(page1.items.map((c) => c.id)).toEqual(newestFirst.slice(0, 2));
    expect(page1.items[0]).toEqual({
      id: expect.any(String),
      title: expect.any(String),
      status: 'active',
      totalBeads: 1,
      closedBeads: 0,
      doneBeads: 0,
      failedBeads: 0,
      skippedBeads: 0,
      maxAttempts: 3,
      requireRef: false,
      priority: 2,
      failedAt: null,
      lastProgressAt: null,
      createdBy: null,
      createdAt: new Date(start + 4000).toISOString(),
      landedAt: null,
      rigs: [{ rigId: expect.any(String), totalBeads: 1, closedBeads: 0, doneBeads: 0, failedBeads: 0, skippedBeads: 0 }],
      compactedAt: null,
      dueAt: null,
      forecast: { expectedLandAt: null, health: 'no_estimate' },
      watchers: 0,
      readyBeads: 1,
      blockedBeads: 0,
      waves: 1,
      pausedAt: null,
      pauseReason: null,
      pauses: [],
      spent: 0,
      budget: null,
    });
    vi.setSystemTime(start + 10_000);
    await api.convoy.create.mutate({ townId, title: 'newer', beads }); // appears on page 1 only, never shifts later pages
    const page2 = await api.convoy.list.query({ townId, limit: 2, cursor: page1.nextCursor as string });
    expect(page2.items.map((c) => c.id)).toEqual(newestFirst.slice(2, 4));
    const page3 = await api.convoy.list.query({ townId, limit: 2, cursor: page2.nextCursor as string });
    expect(page3.items.map((c) => c.id)).toEqual(newestFirst.slice(4, 6));
    expect(page3.nextCursor).toBeNull();
    expect((await api.convoy.list.query({ townId })).items).toHaveLength(7);
  });

  it('filters by status', async () => {
    const { townId, rigs } = await townWithRigs('alpha');
    const landing = await api.convoy.create.mutate({ townId, title: 'land', beads: beadsFor(rigs.alpha, 1) });
    const active = await api.convoy.create.mutate({ townId, title: 'active', beads: beadsFor(rigs.alpha, 1) });
    const cancelled = await api.convoy.create.mutate({ townId, title: 'cancel', beads: beadsFor(rigs.alpha, 1) });
    await api.convoy.beadClosed.mutate({ townId, convoyId: landing.id, beadId: landing.beadIds[0] as string });
    await api.convoy.cancel.mutate({ townId, convoyId: cancelled.id });
    const ids = async (status: 'active' | 'landed' | 'cancelled') =>
      (await api.convoy.list.query({ townId, status })).items.map((i) => i.id);
    expect(await ids('landed')).toEqual([landing.id]);
    expect(await ids('active')).toEqual([active.id]);
    expect(await ids('cancelled')).toEqual([cancelled.id]);
  });
});

describe('rig beads', () => {
  it('lists a rig’s beads by status and convoy, and a repeated delivery creates nothing twice', async () => {
    const { townId, rigs } = await townWithRigs('alpha');
    const alpha = rigs.alpha;
    const one = await api.convoy.create.mutate({ townId, title: 'one', beads: beadsFor(alpha, 2) });
    const two = await api.convoy.create.mutate({ townId, title: 'two', beads: beadsFor(alpha, 1) });
    await api.rig.closeBead.mutate({ townId, rigId: alpha, beadId: one.beadIds[0] as string });
    const ids = async (filter: { status?: 'open' | 'in_progress' | 'closed'; convoyId?: string }) =>
      (await allRigBeads({ townId, rigId: alpha, ...filter })).map((b) => b.id);
    expect(await ids({})).toEqual([...one.beadIds, ...two.beadIds]);
    expect(await ids({ status: 'closed' })).toEqual([one.beadIds[0]]);
    expect(await ids({ status: 'open', convoyId: one.id })).toEqual([one.beadIds[1]]);
    expect(await ids({ status: 'in_progress' })).toEqual([]);

    const batch = one.beadIds.map((id) => ({ id, title: 'changed?', body: null }));
    expect(await rigDo(townId, alpha).receiveBeads(townId, one.id, batch)).toEqual({ created: 0 });
    const stored = await allRigBeads({ townId, rigId: alpha, convoyId: one.id });
    expect(stored.map((b) => [b.title, b.status])).toEqual([
      ['bead-0', 'closed'],
      ['bead-1', 'open'],
    ]);
  });

  it('pages a rig’s beads in arrival order', async () => {
    const { townId, rigs } = await townWithRigs('alpha');
    const convoy = await api.convoy.create.mutate({ townId, title: 'pages', beads: beadsFor(rigs.alpha, 5) });
    const first = await api.rig.beads.query({ townId, rigId: rigs.alpha, limit: 2 });
    expect(first.items.map((b) => b.id)).toEqual(convoy.beadIds.slice(0, 2));
    const second = await api.rig.beads.query({ townId, rigId: rigs.alpha, limit: 2, cursor: first.nextCursor ?? '' });
    const third = await api.rig.beads.query({ townId, rigId: rigs.alpha, limit: 2, cursor: second.nextCursor ?? '' });
    expect([...second.items, ...third.items].map((b) => b.id)).toEqual(convoy.beadIds.slice(2));
    expect(third.nextCursor).toBeNull();
    await expectTrpcError(api.rig.beads.query({ townId, rigId: rigs.alpha, cursor: 'not-a-cursor' }), 'BAD_REQUEST', /cursor/);
    await expectTrpcError(api.rig.beads.query({ townId, rigId: rigs.alpha, cursor: btoa('["x"]') }), 'BAD_REQUEST', /cursor/);
  });
});
