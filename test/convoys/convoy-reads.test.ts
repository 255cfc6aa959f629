import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { drizzle } from 'drizzle-orm/durable-sqlite';
import { describe, expect, it } from 'vitest';
import { countingStorage } from '../../bench/sql-counter';
import * as schema from '../../schema/town';
import { CONVOY_BEADS_SCAN_MAX_ROWS, listConvoyBeads } from '../../server/convoys/beads-page';
import * as convoys from '../../server/convoys/convoys';
import type { TownContext } from '../../server/core/context';
import { allConvoyBeads, expectTrpcError, townStub } from '../helpers';
import { api, beadsFor, townWithRigs } from './convoy-helpers';

// convoy.get answers O(rigs), never O(beads); convoy.beads pages every bead once, filters included.

/** Runs a plain convoy module function inside the town's DO, counting the SQLite rows it reads. */
function measured<T>(townId: string, fn: (ctx: TownContext) => T) {
  return runInDurableObject(townStub(townId), (_instance, state) => {
    const counter = countingStorage(state.storage);
    const result = fn({ db: drizzle(counter.storage, { schema }), env, townId, now: () => new Date() });
    return { result, ...counter.take() };
  });
}

/** `rigIds` taking turns, `n` beads in all: bead i goes to rigIds[i % rigs]. */
const interleaved = (rigIds: string[], n: number, prefix: string) =>
  Array.from({ length: n }, (_, i) => ({ rigId: rigIds[i % rigIds.length] as string, title: `${prefix}-${i}` }));

const BIG_CONVOY_BEADS = 10_000;
const BEADS_PER_CALL = 1_000;

describe('convoy.get', () => {
  // Creating 10,000 beads takes seconds on a busy machine: a budget for the setup, not a bound on the reads.
  it('stays small for a 10,000-bead convoy: the summary and per-rig counts, O(rigs) rows read', { timeout: 60_000 }, async () => {
    const { townId, rigs } = await townWithRigs('alpha', 'beta');
    const rigIds = [rigs.alpha, rigs.beta];
    const big = await api.convoy.create.mutate({ townId, title: 'big', beads: interleaved(rigIds, BEADS_PER_CALL, 'b0') });
    for (let call = 1; call < BIG_CONVOY_BEADS / BEADS_PER_CALL; call++) {
      await api.convoy.addBeads.mutate({ townId, convoyId: big.id, beads: interleaved(rigIds, BEADS_PER_CALL, `b${call}`) });
    }
    for (const beadId of big.beadIds.slice(0, 3)) await api.convoy.beadClosed.mutate({ townId, convoyId: big.id, beadId });
    const small = await api.convoy.create.mutate({ townId, title: 'small', beads: interleaved(rigIds, 2, 's') });

    const got = await api.convoy.get.query({ townId, convoyId: big.id });
    expect(got).toEqual({
      id: big.id,
      title: 'big',
      status: 'active',
      totalBeads: BIG_CONVOY_BEADS,
      closedBeads: 3,
      doneBeads: 3,
      failedBeads: 0,
      skippedBeads: 0,
      maxAttempts: 3,
      requireRef: false,
      priority: 2,
      failedAt: null,
      lastProgressAt: expect.any(String),
      createdBy: null,
      createdAt: big.createdAt,
      landedAt: null,
      compactedAt: null,
      dueAt: null,
      // 3 of 10,000 closed: too few for an estimate.
      forecast: { expectedLandAt: null, health: 'no_estimate' },
      watchers: 0,
      readyBeads: 9_997,
      blockedBeads: 0,
      waves: 1,
      pausedAt: null,
      pauseReason: null,
      pauses: [],
      spent: 0,
      budget: null,
      pendingDeliveries: 0,
      // beadIds 0 and 2 went to alpha, 1 to beta.
      rigs: [
        { rigId: rigs.alpha, totalBeads: BIG_CONVOY_BEADS / 2, closedBeads: 2, doneBeads: 2, failedBeads: 0, skippedBeads: 0 },
        { rigId: rigs.beta, totalBeads: BIG_CONVOY_BEADS / 2, closedBeads: 1, doneBeads: 1, failedBeads: 0, skippedBeads: 0 },
      ].sort((a, b) => a.rigId.localeCompare(b.rigId)),
    });
    // The whole answer is a few hundred bytes (the old shape carried 10,000 beads: ~900 KB).
    expect(JSON.stringify(got).length).toBeLessThan(1_000);

    const bigCost = await measured(townId, (ctx) => convoys.getConvoy(ctx, big.id));
    const smallCost = await measured(townId, (ctx) => convoys.getConvoy(ctx, small.id));
    expect(bigCost.result).toEqual(got);
    // The convoy's row (the per-rig counts live on it), and the one schedule row the range read of
    // pendingDeliveries stops at (none pending), as for a 2-bead convoy.
    expect(bigCost.rowsRead).toBe(2);
    expect(smallCost.rowsRead).toBe(2);
  });

  it('answers create and addBeads with the ids of the call’s beads, in the order given', async () => {
    const { townId, rigs } = await townWithRigs('alpha', 'beta');
    const input = [...beadsFor(rigs.alpha, 2, 'a'), ...beadsFor(rigs.beta, 1, 'b')];
    const convoy = await api.convoy.create.mutate({ townId, title: 'ids', beads: input });
    const more = await api.convoy.addBeads.mutate({ townId, convoyId: convoy.id, beads: beadsFor(rigs.beta, 2, 'c') });
    const listed = await allConvoyBeads({ townId, convoyId: convoy.id });
    expect(listed.map((b) => b.id)).toEqual([...convoy.beadIds, ...more.beadIds]);
    expect(listed.map((b) => [b.rigId, b.title])).toEqual([
      [rigs.alpha, 'a-0'],
      [rigs.alpha, 'a-1'],
      [rigs.beta, 'b-0'],
      [rigs.beta, 'c-0'],
      [rigs.beta, 'c-1'],
    ]);
    expect(more).toMatchObject({ totalBeads: 5, added: 2 });
    expect(more.rigs.find((r) => r.rigId === rigs.beta)).toEqual({
      rigId: rigs.beta,
      totalBeads: 3,
      closedBeads: 0,
      doneBeads: 0,
      failedBeads: 0,
      skippedBeads: 0,
    });
  });
});

describe('convoy.beads', () => {
  it('pages every bead once, in the order added, unfiltered and by status and rig; sparse filters answer short pages with a cursor', {
    timeout: 60_000,
  }, async () => {
    const { townId, rigs } = await townWithRigs('alpha', 'beta', 'gamma');
    const rigIds = [rigs.alpha, rigs.beta, rigs.gamma];
    const TOTAL = 2_500;
    const convoy = await api.convoy.create.mutate({ townId, title: 'paged', beads: interleaved(rigIds, 1_000, 'p0') });
    for (const prefix of ['p1', 'p2']) {
      const n = prefix === 'p2' ? 500 : 1_000;
      await api.convoy.addBeads.mutate({ townId, convoyId: convoy.id, beads: interleaved(rigIds, n, prefix) });
    }
    const everything = await allConvoyBeads({ townId, convoyId: convoy.id, limit: 200 });
    expect(everything).toHaveLength(TOTAL);
    expect(new Set(everything.map((b) => b.id)).size).toBe(TOTAL);
    expect(everything.slice(0, 1_000).map((b) => b.id)).toEqual(convoy.beadIds);
    // Close a sparse few: positions 5, 1,700 and 2,499 (far apart, so a status page scans past ≥ 1,000 open ones).
    const closedIds = [5, 1_700, 2_499].map((i) => everything[i]?.id as string);
    for (const beadId of closedIds) await api.convoy.beadClosed.mutate({ townId, convoyId: convoy.id, beadId });

    const closed = await allConvoyBeads({ townId, convoyId: convoy.id, status: 'closed', limit: 2 });
    expect(closed.map((b) => b.id)).toEqual(closedIds);
    expect(closed.every((b) => b.status === 'closed')).toBe(true);
    const open = await allConvoyBeads({ townId, convoyId: convoy.id, status: 'open', limit: 200 });
    expect(open.map((b) => b.id)).toEqual(everything.filter((b) => !closedIds.includes(b.id)).map((b) => b.id));
    const beta = await allConvoyBeads({ townId, convoyId: convoy.id, rigId: rigs.beta, limit: 200 });
    expect(beta.map((b) => b.id)).toEqual(everything.filter((b) => b.rigId === rigs.beta).map((b) => b.id));
    const betaClosed = await allConvoyBeads({ townId, convoyId: convoy.id, rigId: rigs.beta, status: 'closed' });
    expect(betaClosed.map((b) => b.id)).toEqual(closedIds.filter((id) => everything.find((b) => b.id === id)?.rigId === rigs.beta));

    // The first page of the sparse filter stops at the scan budget: one item (position 5), a cursor to go on.
    const first = await api.convoy.beads.query({ townId, convoyId: convoy.id, status: 'closed', limit: 50 });
    expect(first.items.map((b) => b.id)).toEqual([closedIds[0]]);
    expect(first.nextCursor).not.toBeNull();
    // Default page size 50; the last page says so.
    const defaultPage = await api.convoy.beads.query({ townId, convoyId: convoy.id });
    expect(defaultPage.items).toHaveLength(50);
    const tail = await api.convoy.beads.query({ townId, convoyId: convoy.id, cursor: defaultPage.nextCursor ?? '', limit: 200 });
    expect(tail.items[0]?.id).toBe(everything[50]?.id);
    // A rig that holds none of the convoy's beads: an empty last page at once.
    const stranger = (await api.rig.register.mutate({ townId, name: 'stranger' })).id;
    expect(await api.convoy.beads.query({ townId, convoyId: convoy.id, rigId: stranger })).toEqual({ items: [], nextCursor: null });
  });

  it('reads a bounded number of rows per page, however large the convoy and however sparse the filter', async () => {
    const { townId, rigs } = await townWithRigs('alpha', 'beta');
    const convoy = await api.convoy.create.mutate({ townId, title: 'cost', beads: interleaved([rigs.alpha, rigs.beta], 1_000, 'c') });
    await api.convoy.addBeads.mutate({ townId, convoyId: convoy.id, beads: interleaved([rigs.alpha, rigs.beta], 1_000, 'd') });
    const page = await measured(townId, (ctx) => listConvoyBeads(ctx, { convoyId: convoy.id, limit: 50 }));
    expect(page.result.items).toHaveLength(50);
    expect(page.rowsRead).toBeLessThanOrEqual(2 * 51 + 2); // the convoy row, and 51 bead rows (index entry and row)
    const sparse = await measured(townId, (ctx) => listConvoyBeads(ctx, { convoyId: convoy.id, status: 'closed', limit: 50 }));
    expect(sparse.result.items).toEqual([]);
    expect(sparse.result.nextCursor).not.toBeNull();
    expect(sparse.rowsRead).toBeLessThanOrEqual(2 * CONVOY_BEADS_SCAN_MAX_ROWS + 2);
  });

  it('answers NOT_FOUND for an unknown convoy and BAD_REQUEST naming the field for bad input', async () => {
    const { townId, rigs } = await townWithRigs('alpha');
    const convoy = await api.convoy.create.mutate({ townId, title: 'bad', beads: beadsFor(rigs.alpha, 1) });
    const ref = { townId, convoyId: convoy.id };
    await expectTrpcError(api.convoy.beads.query({ townId, convoyId: 'no-such-convoy' }), 'NOT_FOUND', /no-such-convoy/);
    await expectTrpcError(api.convoy.beads.query({ ...ref, limit: 0 }), 'BAD_REQUEST', /limit/);
    await expectTrpcError(api.convoy.beads.query({ ...ref, limit: 201 }), 'BAD_REQUEST', /limit/);
    // @ts-expect-error: not a convoy bead status
    await expectTrpcError(api.convoy.beads.query({ ...ref, status: 'in_progress' }), 'BAD_REQUEST', /status/);
    await expectTrpcError(api.convoy.beads.query({ ...ref, rigId: '' }), 'BAD_REQUEST', /rigId/);
    await expectTrpcError(api.convoy.beads.query({ ...ref, cursor: 'not-a-cursor' }), 'BAD_REQUEST', /cursor/);
    await expectTrpcError(api.convoy.beads.query({ ...ref, cursor: btoa('["x"]') }), 'BAD_REQUEST', /cursor/);
  });
});
