import { runInDurableObject } from 'cloudflare:test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { claimBead } from '../../server/rigs/claims';
import { expectTrpcError, newTownId } from '../helpers';
import { countedInRig, seedRig } from './rig-seed';
import { api, rigDo } from './work-loop-helpers';

// Priority with aging: a claim takes the lowest priority − ⌊waiting minutes / agingMinutes⌋, oldest
// first among equals; convoy.setPriority reaches the rigs; a claim still reads ≤ 10 rows.

afterEach(() => vi.useRealTimers());

const MIN = 60_000;
const CLAIM_ROWS_READ_MAX = 10;

function fakeClockAt(iso: string) {
  vi.useFakeTimers({ toFake: ['Date'] });
  const t0 = Date.parse(iso);
  vi.setSystemTime(t0);
  return t0;
}

async function townWithRig() {
  const townId = newTownId('prio');
  const rig = await api.rig.register.mutate({ townId, name: 'worker' });
  const convoy = (title: string, priority?: number) =>
    api.convoy.create.mutate({ townId, title, beads: [{ rigId: rig.id, title }], ...(priority === undefined ? {} : { priority }) });
  const claim = async (agentId: string) => (await api.rig.claimBead.mutate({ townId, rigId: rig.id, agentId })).bead?.title;
  return { townId, rigId: rig.id, convoy, claim };
}

describe('priority with aging', () => {
  it('a priority-4 bead waiting 4 h outranks a fresh priority-0 bead; at 3 h 59 min it does not', async () => {
    const t0 = fakeClockAt('2033-01-01T00:00:00Z');
    const late = await townWithRig();
    await late.convoy('old-4', 4);
    vi.setSystemTime(t0 + 4 * 60 * MIN);
    await late.convoy('fresh-0', 0);
    expect(await late.claim('a')).toBe('old-4');
    expect(await late.claim('b')).toBe('fresh-0');

    const early = await townWithRig();
    await early.convoy('old-4', 4);
    vi.setSystemTime(t0 + 4 * 60 * MIN + 239 * MIN);
    await early.convoy('fresh-0', 0);
    expect(await early.claim('a')).toBe('fresh-0');
  });

  it('equal effective priority: oldest first; the default priority is 2', async () => {
    const t0 = fakeClockAt('2033-02-01T00:00:00Z');
    const town = await townWithRig();
    const made = await town.convoy('p1-first', 1);
    vi.setSystemTime(t0 + 60 * MIN);
    await town.convoy('p0-fresh', 0);
    const plain = await town.convoy('p2-default');
    expect((await api.convoy.get.query({ townId: town.townId, convoyId: made.id })).priority).toBe(1);
    expect((await api.convoy.get.query({ townId: town.townId, convoyId: plain.id })).priority).toBe(2);
    // p1 waited 60 min (effective 0) ties the fresh p0 and is older; the default 2 comes last.
    expect(await town.claim('a')).toBe('p1-first');
    expect(await town.claim('b')).toBe('p0-fresh');
    expect(await town.claim('c')).toBe('p2-default');
  });

  it('agingMinutes (town.setSettings) reaches the claim: 30 min per level', async () => {
    const t0 = fakeClockAt('2033-03-01T00:00:00Z');
    const town = await townWithRig();
    await town.convoy('old-4', 4);
    vi.setSystemTime(t0 + 2 * 60 * MIN);
    await town.convoy('fresh-0', 0);
    // Default 60: old-4 is at 2, the fresh 0 wins; with 30 min per level old-4 is at 0 and older.
    const fresh = await townWithRig();
    await fresh.convoy('x', 2);
    await api.town.setSettings.mutate({ townId: town.townId, agingMinutes: 30 });
    expect((await api.town.settings.query({ townId: town.townId })).agingMinutes).toBe(30);
    expect(await town.claim('a')).toBe('old-4');
    await expectTrpcError(api.town.setSettings.mutate({ townId: town.townId, agingMinutes: 0 }), 'BAD_REQUEST', /agingMinutes/);
  });

  it('a bead back from a backoff waits from its backoff end, not from its arrival', async () => {
    const t0 = fakeClockAt('2033-04-01T00:00:00Z');
    const town = await townWithRig();
    await town.convoy('retried-2', 2);
    const bead = await api.rig.claimBead.mutate({ townId: town.townId, rigId: town.rigId, agentId: 'a' });
    await api.rig.closeBead.mutate({
      townId: town.townId,
      rigId: town.rigId,
      beadId: bead.bead?.id ?? '',
      agentId: 'a',
      outcome: 'failed',
    });
    vi.setSystemTime(t0 + 60 * MIN);
    // Its backoff (30 s) ended 59.5 min ago: effective 2 − 0 = 2, behind a fresh priority 1.
    await town.convoy('fresh-1', 1);
    expect(await town.claim('b')).toBe('fresh-1');
    expect(await town.claim('c')).toBe('retried-2');
  });
});

describe('convoy.setPriority', () => {
  it('reaches the rig holding the beads: the next claim follows the new priority', async () => {
    fakeClockAt('2033-05-01T00:00:00Z');
    const town = await townWithRig();
    const low = await town.convoy('low', 4);
    await town.convoy('normal', 2);
    const set = await api.convoy.setPriority.mutate({ townId: town.townId, convoyId: low.id, priority: 0 });
    expect(set.priority).toBe(0);
    expect((await api.convoy.get.query({ townId: town.townId, convoyId: low.id })).priority).toBe(0);
    const stored = await runInDurableObject(rigDo(town.townId, town.rigId), (_i, state) =>
      state.storage.sql.exec('select priority from beads where convoy_id = ?', low.id).one(),
    );
    expect(stored.priority).toBe(0);
    expect(await town.claim('a')).toBe('low');
    const events = await api.event.list.query({ townId: town.townId, types: ['convoy.priority_set'] });
    expect(events.items[0]).toMatchObject({ type: 'convoy.priority_set', data: { priority: 0, previousPriority: 4 } });
  });

  it('refuses a priority outside 0–4 (BAD_REQUEST naming priority) and an unknown convoy (NOT_FOUND)', async () => {
    const town = await townWithRig();
    const convoy = await town.convoy('c');
    await expectTrpcError(
      api.convoy.setPriority.mutate({ townId: town.townId, convoyId: convoy.id, priority: 5 }),
      'BAD_REQUEST',
      /priority/,
    );
    await expectTrpcError(
      api.convoy.create.mutate({ townId: town.townId, title: 't', beads: [{ rigId: town.rigId, title: 'b' }], priority: -1 }),
      'BAD_REQUEST',
      /priority/,
    );
    await expectTrpcError(api.convoy.setPriority.mutate({ townId: town.townId, convoyId: 'no-such-convoy', priority: 1 }), 'NOT_FOUND');
  });
});

describe('claim cost with priorities', () => {
  it('reads the same few rows with 10 or 20,000 beads over the 5 levels and 5,000 in backoff, also once the backoffs end', async () => {
    const small = `prio-cost-small-${crypto.randomUUID()}`;
    const large = `prio-cost-large-${crypto.randomUUID()}`;
    await seedRig(small, 10, 5, 'c', 5);
    await seedRig(large, 20_000, 5_000, 'c', 5);
    const claim = (key: string, agentId: string) => countedInRig(key, (ctx) => claimBead(ctx, { agentId }));
    const smallCost = await claim(small, 'a');
    const largeCost = await claim(large, 'a');
    // All seeded at one time: the oldest of level 0 (b1) first.
    expect(largeCost.result.bead?.id).toBe('b1');
    expect(largeCost.rowsRead).toBe(smallCost.rowsRead);
    expect(largeCost.rowsRead).toBeLessThanOrEqual(CLAIM_ROWS_READ_MAX);
    // Two hours on, the backoffs have ended (they join their levels' queues): as cheap as the small rig.
    // One row more than the first claim: the reports task is pending now, and its upsert reads it.
    fakeClockAt(new Date(Date.now() + 2 * 60 * MIN).toISOString());
    const smallLater = await claim(small, 'b');
    const largeLater = await claim(large, 'b');
    expect(largeLater.result.bead?.id).toBe('b6');
    expect(largeLater.rowsRead).toBe(smallLater.rowsRead);
    expect(largeLater.rowsRead).toBeLessThanOrEqual(CLAIM_ROWS_READ_MAX + 1);
  });
});
