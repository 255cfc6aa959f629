import { describe, expect, it } from 'vitest';
import { api } from '../convoys/convoy-helpers';
import { allEvents, expectTrpcError, newTownId } from '../helpers';
import { outboxRows } from '../town-helpers';
import { newFlowTown, registrations, runFlow, shapeOf } from './event-flow';

describe('event.list', () => {
  it('a convoy + escalation + watchdog flow leaves exactly the expected events, in order', async () => {
    const town = await newFlowTown();
    const expected = [...registrations(town), ...(await runFlow(town))];
    const events = await allEvents({ townId: town.townId });
    expect(shapeOf(events, expected)).toEqual(expected);
    // Ids are cursors: zero-padded, strictly increasing (as strings too), `at` in commit order.
    expect(events.every((e) => /^\d{16}$/.test(e.id))).toBe(true);
    expect(events.map((e) => e.id)).toEqual([...events.map((e) => e.id)].sort());
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    expect(events.map((e) => e.at)).toEqual([...events.map((e) => e.at)].sort());
    // Data is small: counts and states, never the escalation's message.
    expect(JSON.stringify(events)).not.toContain('help');
    expect(events.find((e) => e.type === 'convoy.bead_closed')?.data).toEqual({
      closedBeads: 1,
      totalBeads: 2,
      outcome: 'done',
      attempt: 0,
      reason: null,
      ref: null,
    });
  });

  it('notifications carry the id of the event that caused them (webhook-id, Mayor mail id)', async () => {
    const town = await newFlowTown();
    await runFlow(town);
    const events = await allEvents({ townId: town.townId });
    const causes = new Map(events.map((e) => [e.id, e.type]));
    const rows = await outboxRows(town.townId);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(causes.get(row.eventId), row.id).toBe(row.type);
    const mail = (await api.mayor.mail.list.query({ townId: town.townId })).items;
    // The recovery and the resolve of the outage's escalation are delivered in the same alarm run: either order.
    expect(mail.map((m) => causes.get(m.id)).slice(2)).toEqual(['escalation.raised', 'escalation.raised', 'convoy.landed']);
    expect(
      mail
        .map((m) => causes.get(m.id))
        .slice(0, 2)
        .sort(),
    ).toEqual(['escalation.resolved', 'watchdog.recovered']);
    // Each `notification.delivered` names its cause.
    const settled = events.filter((e) => e.type === 'notification.delivered');
    const settledCauses = settled.map((e) => causes.get(String(e.data.eventId)));
    expect(settledCauses.slice(0, 3)).toEqual(['convoy.landed', 'escalation.raised', 'escalation.raised']);
    expect(settledCauses.slice(3).sort()).toEqual(['escalation.resolved', 'watchdog.recovered']);
  });

  it('pages forward after a cursor, oldest first, and filters by type and by id', async () => {
    const town = await newFlowTown();
    await runFlow(town);
    const { townId } = town;
    const all = await allEvents({ townId });
    const first = await api.event.list.query({ townId, limit: 5 });
    expect(first.items).toEqual(all.slice(0, 5));
    expect(first.nextCursor).toBe(all[4]?.id);
    const second = await api.event.list.query({ townId, after: first.nextCursor ?? undefined, limit: 5 });
    expect(second.items).toEqual(all.slice(5, 10));
    const rest = await api.event.list.query({ townId, after: all.at(-2)?.id, limit: 5 });
    expect(rest).toEqual({ items: all.slice(-1), nextCursor: null });

    const convoyId = all.find((e) => e.type === 'convoy.created')?.convoyId ?? '';
    expect(await allEvents({ townId, convoyId })).toEqual(all.filter((e) => e.convoyId === convoyId));
    const closes = await allEvents({ townId, convoyId, types: ['convoy.bead_closed', 'convoy.landed'] });
    expect(closes.map((e) => e.type)).toEqual(['convoy.bead_closed', 'convoy.bead_closed', 'convoy.landed']);
    expect(await allEvents({ townId, rigId: town.south })).toEqual(all.filter((e) => e.rigId === town.south));
    const escalationId = all.find((e) => e.type === 'escalation.acknowledged')?.escalationId ?? '';
    expect((await allEvents({ townId, escalationId })).map((e) => e.type)).toEqual([
      'escalation.raised',
      'notification.delivered',
      'escalation.acknowledged',
    ]);
  });

  it('a sparse filter answers short pages with a cursor to go on, reading a bounded stretch each time', async () => {
    const townId = newTownId('sparse');
    for (let i = 0; i < 3; i++) await api.rig.register.mutate({ townId, name: `r${i}` });
    // A page examines at most EVENT_SCAN_MAX_ROWS rows; with 3 events all is examined at once.
    expect(await api.event.list.query({ townId, types: ['rig.removed'] })).toEqual({ items: [], nextCursor: null });
  });

  it('refuses a malformed cursor and one from another town', async () => {
    const town = await newFlowTown();
    await expectTrpcError(api.event.list.query({ townId: town.townId, after: 'abc' }), 'BAD_REQUEST', /after/);
    await expectTrpcError(api.event.list.query({ townId: town.townId, after: '9999999999999999' }), 'BAD_REQUEST', /after/);
    expect(await api.event.list.query({ townId: town.townId, after: '0000000000000002' })).toEqual({ items: [], nextCursor: null });
  });

  it('latest: the last `limit` events, oldest first, with the last id as the cursor to follow from', async () => {
    const townId = newTownId('latest');
    expect(await api.event.list.query({ townId, latest: true })).toEqual({ items: [], nextCursor: null });
    for (let i = 0; i < 5; i++) await api.rig.register.mutate({ townId, name: `r${i}` });
    const all = await allEvents({ townId });
    const last3 = await api.event.list.query({ townId, latest: true, limit: 3 });
    expect(last3.items.map((e) => e.id)).toEqual(all.slice(-3).map((e) => e.id));
    expect(last3.nextCursor).toBe(all.at(-1)?.id);
    await expectTrpcError(api.event.list.query({ townId, latest: true, after: all[0]?.id }), 'BAD_REQUEST', /latest/);
  });
});
