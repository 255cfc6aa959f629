import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as schema from '../schema/town';
import { api, beadsFor, deliveredBeads, townTasks, townWithRigs } from './convoys/convoy-helpers';
import { allEvents, allRigBeads, quietConsole, withTownDb } from './helpers';
import { settle } from './town-helpers';

// Load that fits CI on 2 cores (larger runs belong in bench/): exact counts, and no call fails.
// (500 concurrent beadClosed on one convoy: test/convoy-concurrency.test.ts.)

const ESCALATIONS = 200;
const CONVOYS = 50;
const RIGS = 10;
const BEADS_PER_RIG = 2;

beforeEach(() => quietConsole('log', 'warn'));
afterEach(() => vi.restoreAllMocks());

/** Settles every call; returns the values, failing the test with the reasons of any that were rejected. */
async function allOk<T>(calls: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(calls);
  const failed = settled.flatMap((s) => (s.status === 'rejected' ? [String(s.reason)] : []));
  expect(failed, 'no call may fail under load').toEqual([]);
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}

describe('load', () => {
  it(`${ESCALATIONS} concurrent escalation.raise in one town: each recorded, routed and mailed exactly once`, async () => {
    const { townId, rigs } = await townWithRigs('alpha');
    const messages = Array.from({ length: ESCALATIONS }, (_, i) => `load ${i}`);
    const raised = await allOk(
      messages.map((message) => api.escalation.raise.mutate({ townId, sourceRigId: rigs.alpha, severity: 'medium', message })),
    );
    const ids = raised.map((r) => r.escalation.id);
    expect(new Set(ids).size).toBe(ESCALATIONS);
    expect(raised.every((r) => r.routedTo.join() === 'mayor')).toBe(true);

    const listed = await api.escalation.list.query({ townId, limit: 200 });
    expect(listed.items.map((e) => e.message).sort()).toEqual([...messages].sort());
    expect(listed.nextCursor).toBeNull();

    await settle(townId);
    const mail = await api.mayor.mail.list.query({ townId, limit: 200 });
    const raisedEvents = await allEvents({ townId, types: ['escalation.raised'] });
    expect(raisedEvents.map((e) => e.escalationId).sort()).toEqual([...ids].sort());
    expect(mail.items.map((m) => m.id).sort()).toEqual(raisedEvents.map((e) => e.id).sort());
    expect(mail.nextCursor).toBeNull();
    const counts = await withTownDb(townId, (db) => ({
      outbox: db.select().from(schema.outbox).all(),
      reescalations: db
        .select()
        .from(schema.schedule)
        .all()
        .filter((t) => t.kind === 'escalation.reescalate').length,
    }));
    expect(counts.outbox).toHaveLength(ESCALATIONS);
    expect(counts.outbox.every((r) => r.status === 'delivered' && r.attempts === 1)).toBe(true);
    expect(counts.reescalations).toBe(ESCALATIONS);
  });

  it(`${CONVOYS} concurrent convoy.create across ${RIGS} rigs, each sent twice with its idempotency key: ${CONVOYS} convoys, every bead in its rig once`, async () => {
    const names = Array.from({ length: RIGS }, (_, i) => `rig${i}`);
    const { townId, rigs } = await townWithRigs(...names);
    const rigIds = Object.values(rigs) as string[];
    const create = (i: number) =>
      api.convoy.create.mutate({
        townId,
        title: `load ${i}`,
        idempotencyKey: `load-${i}`,
        beads: rigIds.flatMap((rigId) => beadsFor(rigId, BEADS_PER_RIG, `c${i}`)),
      });
    const created = await allOk(Array.from({ length: CONVOYS * 2 }, (_, n) => create(n % CONVOYS)));
    for (let i = 0; i < CONVOYS; i++) expect(created[i + CONVOYS]?.id).toBe(created[i]?.id);
    expect(new Set(created.map((c) => c.id)).size).toBe(CONVOYS);

    const listed = await api.convoy.list.query({ townId, limit: 100 });
    expect(listed.items).toHaveLength(CONVOYS);
    expect(listed.items.every((c) => c.totalBeads === RIGS * BEADS_PER_RIG && c.status === 'active')).toBe(true);

    // Distribution happened inline: nothing owed, and each rig holds exactly its beads, once.
    expect(await townTasks(townId)).toEqual([]);
    const undelivered = await withTownDb(townId, (db) => [...deliveredBeads(db).values()].filter((delivered) => !delivered).length);
    expect(undelivered).toBe(0);
    for (const [r, rigId] of rigIds.entries()) {
      const beads = await allRigBeads({ townId, rigId });
      // Each create's beads are grouped by rig in rigIds order: rig r's are the r-th run of BEADS_PER_RIG.
      const expected = created.slice(0, CONVOYS).flatMap((c) => c.beadIds.slice(r * BEADS_PER_RIG, (r + 1) * BEADS_PER_RIG));
      expect(beads.map((b) => b.id).sort()).toEqual(expected.sort());
      expect(beads).toHaveLength(CONVOYS * BEADS_PER_RIG);
    }
  });
});
