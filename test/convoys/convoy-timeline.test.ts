import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { and, eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/durable-sqlite';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { countingStorage } from '../../bench/sql-counter';
import * as schema from '../../schema/town';
import { mergeSketches, sketchBucket, sketchQuantileMs } from '../../server/convoys/close-sketch';
import * as convoys from '../../server/convoys/convoys';
import { convoyTimeline } from '../../server/convoys/timeline';
import type { TownContext } from '../../server/core/context';
import { expectTrpcError, townStub, withTownDb } from '../helpers';
import { api, beadsFor, townWithRigs } from './convoy-helpers';

// convoy.timeline: the story from the event log in order, and figures (time to land, p50/p90 of the
// time from creation to each close) that cost O(1) rows however many beads closed.

const MINUTE_MS = 60_000;
afterEach(() => vi.useRealTimers());

/** Asserts `ms` is within the sketch's 2 % of `expectedMs`. */
function expectNear(ms: number | null, expectedMs: number) {
  expect(ms).not.toBeNull();
  expect(Math.abs((ms as number) - expectedMs)).toBeLessThanOrEqual(0.02 * expectedMs);
}

describe('close-time sketch', () => {
  it('reads p50 and p90 within 2 % of the exact close times, whatever their spread', () => {
    // Log-uniform from 1 s to 2 days, deterministic.
    let seed = 7;
    const random = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    const times = Array.from({ length: 10_000 }, () => Math.round(1_000 * 172_800 ** random()));
    const sketch: Record<string, number> = {};
    for (const ms of times) sketch[sketchBucket(ms)] = (sketch[sketchBucket(ms)] ?? 0) + 1;
    const sorted = [...times].sort((a, b) => a - b);
    for (const q of [0.5, 0.9]) {
      const exact = sorted[Math.floor(q * (sorted.length - 1))] as number;
      expectNear(sketchQuantileMs(mergeSketches([sketch]), q), exact);
    }
    expect(Object.keys(sketch).length).toBeLessThan(400); // a few hundred buckets, not 10,000 times
    expect(sketchQuantileMs(mergeSketches([{}]), 0.5)).toBeNull();
  });
});

describe('convoy.timeline', () => {
  it('tells the story in order with a controlled clock, and its figures', async () => {
    const { townId, rigs } = await townWithRigs('alpha', 'beta');
    const { alpha, beta } = rigs;
    const t0 = Date.now();
    vi.useFakeTimers({ toFake: ['Date'] });
    const at = (minutes: number) => {
      vi.setSystemTime(t0 + minutes * MINUTE_MS);
      return new Date(t0 + minutes * MINUTE_MS).toISOString();
    };
    const createdAt = at(0);
    const convoy = await api.convoy.create.mutate({ townId, title: 'story', beads: [...beadsFor(alpha, 2), ...beadsFor(beta, 2)] });
    const [a0, a1, b0, b1] = convoy.beadIds as [string, string, string, string];
    const closes: [number, string, string][] = [
      [1, a0, alpha],
      [2, b0, beta],
      [3, a1, alpha],
      [10, b1, beta],
    ];
    for (const [minute, beadId] of closes) {
      at(minute);
      await api.convoy.beadClosed.mutate({ townId, convoyId: convoy.id, beadId });
    }
    const landed = await api.convoy.timeline.query({ townId, convoyId: convoy.id });
    expect(landed.convoy).toMatchObject({ id: convoy.id, status: 'landed', closedBeads: 4, landedAt: at(10) });
    expect(landed.figures).toMatchObject({ timeToLandMs: 10 * MINUTE_MS, closeTimes: { timed: 4, relativeAccuracy: 0.02 } });
    // Ranks ⌊q·(n−1)⌋ of [1, 2, 3, 10] minutes: the 2nd and the 3rd.
    expectNear(landed.figures.closeTimes.p50Ms, 2 * MINUTE_MS);
    expectNear(landed.figures.closeTimes.p90Ms, 3 * MINUTE_MS);
    expect(landed.truncated).toBe(false);
    expect(landed.nextCursor).toBeNull();
    const story = (items: typeof landed.items) => items.map((e) => [e.type, e.at, e.rigId, e.beadId]);
    expect(story(landed.items)).toEqual([
      ['convoy.created', createdAt, null, null],
      // Delivered to each rig at once (rig order follows the convoy's beads).
      ['convoy.beads_delivered', createdAt, alpha, null],
      ['convoy.beads_delivered', createdAt, beta, null],
      ...closes.map(([minute, beadId, rigId]) => ['convoy.bead_closed', at(minute), rigId, beadId]),
      ['convoy.landed', at(10), null, null],
    ]);

    // Reopened by a bead for beta, then cancelled: the story goes on; time to land is for a landed convoy only.
    at(20);
    await api.convoy.addBeads.mutate({ townId, convoyId: convoy.id, beads: beadsFor(beta, 1, 'late') });
    at(30);
    await api.convoy.cancel.mutate({ townId, convoyId: convoy.id });
    const first = await api.convoy.timeline.query({ townId, convoyId: convoy.id, limit: 5 });
    const rest = await api.convoy.timeline.query({ townId, convoyId: convoy.id, cursor: first.nextCursor ?? '' });
    expect(first.items).toHaveLength(5);
    expect(rest.nextCursor).toBeNull();
    expect(story([...first.items, ...rest.items]).slice(-4)).toEqual([
      ['convoy.beads_added', at(20), null, null],
      ['convoy.reopened', at(20), null, null],
      ['convoy.beads_delivered', at(20), beta, null],
      ['convoy.cancelled', at(30), null, null],
    ]);
    expect(rest.figures).toMatchObject({ timeToLandMs: null, closeTimes: { timed: 4 } });
    expect(rest.convoy.rigs).toEqual(
      [
        { rigId: alpha, totalBeads: 2, closedBeads: 2, doneBeads: 2, failedBeads: 0, skippedBeads: 0 },
        { rigId: beta, totalBeads: 3, closedBeads: 2, doneBeads: 2, failedBeads: 0, skippedBeads: 0 },
      ].sort((x, y) => x.rigId.localeCompare(y.rigId)),
    );
    // Only some kinds of events.
    const milestones = await api.convoy.timeline.query({ townId, convoyId: convoy.id, types: ['convoy.landed', 'convoy.cancelled'] });
    expect(milestones.items.map((e) => e.type)).toEqual(['convoy.landed', 'convoy.cancelled']);
  });

  // Closing 1,000 beads takes a few seconds on a busy machine: a budget for the setup, not a bound on the reads.
  it('pages a long story once each, reading O(1) rows for the figures and O(limit) per page', { timeout: 60_000 }, async () => {
    const { townId, rigs } = await townWithRigs('alpha');
    const CLOSES = 1_000;
    const convoy = await api.convoy.create.mutate({ townId, title: 'long', beads: beadsFor(rigs.alpha, CLOSES) });
    const small = await api.convoy.create.mutate({ townId, title: 'short', beads: beadsFor(rigs.alpha, 2) });
    await runInDurableObject(townStub(townId), (_i, state) => {
      const ctx: TownContext = { db: drizzle(state.storage, { schema }), env, townId, now: () => new Date() };
      for (const beadId of convoy.beadIds) convoys.beadClosed(ctx, { convoyId: convoy.id, beadId });
      convoys.beadClosed(ctx, { convoyId: small.id, beadId: small.beadIds[0] as string });
    });
    const seen: { id: string; type: string }[] = [];
    let cursor: string | undefined;
    do {
      const page = await api.convoy.timeline.query({ townId, convoyId: convoy.id, limit: 200, cursor });
      seen.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    // created, delivered, 1,000 closes, landed: each once, in id order (the landing's notification
    // events name the convoy too, and come when the alarm has delivered them).
    const ids = seen.map((e) => e.id);
    expect(seen.filter((e) => e.type.startsWith('convoy.'))).toHaveLength(CLOSES + 3);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);

    const cost = (convoyId: string) =>
      runInDurableObject(townStub(townId), (_i, state) => {
        const counter = countingStorage(state.storage);
        const timeline = convoyTimeline(
          { db: drizzle(counter.storage, { schema }), env, townId, now: () => new Date() },
          { convoyId, limit: 50 },
        );
        return { timeline, ...counter.take() };
      });
    const long = await cost(convoy.id);
    const short = await cost(small.id);
    expect(long.timeline.figures.closeTimes.timed).toBe(CLOSES);
    expect(long.timeline.items).toHaveLength(50);
    // The convoy row, the cursor checks, the first story row, and 51 events (index entry and row each).
    expect(long.rowsRead).toBeLessThanOrEqual(short.rowsRead + 2 * 51);
    expect(long.rowsRead).toBeLessThan(150);
  });

  it('says when the story is truncated (its creation pruned), and refuses bad input naming the field', async () => {
    const { townId, rigs } = await townWithRigs('alpha');
    const convoy = await api.convoy.create.mutate({ townId, title: 'old', beads: beadsFor(rigs.alpha, 1) });
    await withTownDb(townId, (db) =>
      db
        .delete(schema.events)
        .where(and(eq(schema.events.convoyId, convoy.id), eq(schema.events.type, 'convoy.created')))
        .run(),
    );
    const timeline = await api.convoy.timeline.query({ townId, convoyId: convoy.id });
    expect(timeline.truncated).toBe(true);
    expect(timeline.items.map((e) => e.type)).toEqual(['convoy.beads_delivered']);

    const ref = { townId, convoyId: convoy.id };
    await expectTrpcError(api.convoy.timeline.query({ townId, convoyId: 'no-such-convoy' }), 'NOT_FOUND', /no-such-convoy/);
    await expectTrpcError(api.convoy.timeline.query({ ...ref, limit: 0 }), 'BAD_REQUEST', /limit/);
    await expectTrpcError(api.convoy.timeline.query({ ...ref, limit: 201 }), 'BAD_REQUEST', /limit/);
    await expectTrpcError(api.convoy.timeline.query({ ...ref, cursor: 'not-an-id' }), 'BAD_REQUEST', /cursor/);
    await expectTrpcError(api.convoy.timeline.query({ ...ref, cursor: '9999999999999999' }), 'BAD_REQUEST', /cursor/);
    // @ts-expect-error: not an event type
    await expectTrpcError(api.convoy.timeline.query({ ...ref, types: ['convoy.exploded'] }), 'BAD_REQUEST', /types/);
  });
});
