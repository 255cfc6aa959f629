import { runDurableObjectAlarm } from 'cloudflare:test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { allEvents, expectTrpcError, quietConsole, townStub } from '../helpers';
import { api, beadsFor, townWithRigs } from './convoy-helpers';

// Due dates: the forecast's health turning at_risk raises one medium escalation (dedupKey
// `convoy-due:<id>`, from the town), off_track upgrades it to high, and landing, cancelling or a later
// due date resolves it; evaluated at once on create, setDue and each close, and on the heartbeat for
// time passing. The clock is faked (Date only): each step sets it, then acts.

const HOUR_MS = 3_600_000;

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

async function dueEscalations(townId: string) {
  const { items } = await api.escalation.list.query({ townId });
  return items.filter((e) => e.dedupKey?.startsWith('convoy-due:'));
}

const atRiskEvents = async (townId: string, convoyId: string) =>
  (await allEvents({ townId, convoyId, types: ['convoy.at_risk'] })).map((e) => e.data.health);

/** A town, a 10-bead convoy due 10 h after T0 (now, faked), and a function closing its next bead. */
async function convoyDueIn10h() {
  quietConsole('log', 'warn');
  vi.useFakeTimers({ toFake: ['Date'] });
  const T0 = Date.now();
  const { townId, rigs } = await townWithRigs('alpha');
  const dueAt = new Date(T0 + 10 * HOUR_MS).toISOString();
  const convoy = await api.convoy.create.mutate({ townId, title: 'Release', beads: beadsFor(rigs.alpha, 10), dueAt });
  let closed = 0;
  const closeNext = () => api.convoy.beadClosed.mutate({ townId, convoyId: convoy.id, beadId: convoy.beadIds[closed++] as string });
  const at = (offsetMs: number) => vi.setSystemTime(T0 + offsetMs);
  return { townId, convoy, dueAt, T0, closeNext, at };
}

describe('convoy due dates', () => {
  it('at_risk raises a medium escalation on the heartbeat, off_track upgrades it to high, a later date resolves it', async () => {
    const { townId, convoy, dueAt, T0, closeNext, at } = await convoyDueIn10h();
    expect(convoy).toMatchObject({ dueAt, forecast: { expectedLandAt: null, health: 'no_estimate' } });

    at(4 * HOUR_MS);
    for (let i = 0; i < 5; i++) await closeNext();
    const onTrack = await api.convoy.get.query({ townId, convoyId: convoy.id });
    expect(onTrack.forecast).toEqual({ expectedLandAt: new Date(T0 + 8 * HOUR_MS).toISOString(), health: 'on_track' });
    expect(await dueEscalations(townId)).toEqual([]);

    // No close for 2 h: only time passed, and the heartbeat sees it.
    at(6 * HOUR_MS);
    await api.watchdog.heartbeat.mutate({ townId });
    const [raised, ...none] = await dueEscalations(townId);
    expect(none).toEqual([]);
    expect(raised).toMatchObject({
      severity: 'medium',
      status: 'open',
      sourceRigId: 'town',
      dedupKey: `convoy-due:${convoy.id}`,
      convoyId: convoy.id,
      category: 'convoy-due',
    });
    expect((await api.convoy.get.query({ townId, convoyId: convoy.id })).forecast.health).toBe('at_risk');
    expect(await atRiskEvents(townId, convoy.id)).toEqual(['at_risk']);
    // Acknowledged, so it is not re-escalated by time: what raises it to high below is off_track.
    await api.escalation.acknowledge.mutate({ townId, escalationId: raised?.id ?? '' });

    // Another heartbeat, a close that leaves it at risk: nothing new.
    await api.watchdog.heartbeat.mutate({ townId });
    at(7 * HOUR_MS);
    await closeNext();
    expect(await atRiskEvents(townId, convoy.id)).toEqual(['at_risk']);

    // Past the date: the scheduled heartbeat (the alarm) upgrades the same escalation.
    at(10 * HOUR_MS + 60_000);
    expect(await runDurableObjectAlarm(townStub(townId))).toBe(true);
    const [upgraded] = await dueEscalations(townId);
    expect(upgraded).toMatchObject({ id: raised?.id, severity: 'high', originalSeverity: 'medium', status: 'acknowledged' });
    expect(await atRiskEvents(townId, convoy.id)).toEqual(['at_risk', 'off_track']);
    expect((await api.convoy.get.query({ townId, convoyId: convoy.id })).forecast.health).toBe('off_track');

    // A later date: 6 of 10 closed in 10 h, expected in ~6.7 h more, due in 20: resolved, on track.
    const later = await api.convoy.setDue.mutate({ townId, convoyId: convoy.id, dueAt: new Date(T0 + 30 * HOUR_MS).toISOString() });
    expect(later.forecast.health).toBe('on_track');
    const [resolved] = await dueEscalations(townId);
    expect(resolved).toMatchObject({ id: raised?.id, status: 'resolved', resolvedBy: 'convoy' });

    // An earlier date that it misses raises anew; cancelling resolves that one.
    await api.convoy.setDue.mutate({ townId, convoyId: convoy.id, dueAt: new Date(T0 + 12 * HOUR_MS).toISOString() });
    const open = (await dueEscalations(townId)).filter((e) => e.status === 'open');
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ severity: 'medium' });
    await api.convoy.cancel.mutate({ townId, convoyId: convoy.id });
    expect((await dueEscalations(townId)).every((e) => e.status === 'resolved')).toBe(true);
    expect(await atRiskEvents(townId, convoy.id)).toEqual(['at_risk', 'off_track', 'at_risk']);
  });

  it('a close can turn it at_risk at once; landing resolves it; removing the date resolves it too', async () => {
    quietConsole('log', 'warn');
    vi.useFakeTimers({ toFake: ['Date'] });
    const T0 = Date.now();
    const { townId, rigs } = await townWithRigs('alpha');
    const dueAt = new Date(T0 + HOUR_MS).toISOString();
    const convoy = await api.convoy.create.mutate({ townId, title: 'Six', beads: beadsFor(rigs.alpha, 6), dueAt });
    vi.setSystemTime(T0 + 55 * 60_000);
    // Five of six closed in 55 min (an estimate needs 5): the last expected 11 min later, past the date.
    for (const beadId of convoy.beadIds.slice(0, 5)) await api.convoy.beadClosed.mutate({ townId, convoyId: convoy.id, beadId });
    expect(await dueEscalations(townId)).toMatchObject([{ severity: 'medium', status: 'open' }]);
    expect((await api.convoy.get.query({ townId, convoyId: convoy.id })).forecast).toEqual({
      expectedLandAt: new Date(T0 + 66 * 60_000).toISOString(),
      health: 'at_risk',
    });
    const landed = await api.convoy.beadClosed.mutate({ townId, convoyId: convoy.id, beadId: convoy.beadIds[5] as string });
    expect(landed.status).toBe('landed');
    expect(await dueEscalations(townId)).toMatchObject([{ status: 'resolved', resolveReason: 'convoy landed' }]);
    expect((await api.convoy.get.query({ townId, convoyId: convoy.id })).forecast).toEqual({
      expectedLandAt: new Date(T0 + 55 * 60_000).toISOString(),
      health: 'on_track',
    });

    // Created already late: off_track at once, high; a null date resolves it.
    vi.setSystemTime(T0 + 2 * HOUR_MS);
    const late = await api.convoy.create.mutate({ townId, title: 'Late', beads: beadsFor(rigs.alpha, 1), dueAt });
    expect(late.forecast.health).toBe('off_track');
    const lateEscalation = (await dueEscalations(townId)).find((e) => e.convoyId === late.id);
    expect(lateEscalation).toMatchObject({ severity: 'high', status: 'open' });
    const cleared = await api.convoy.setDue.mutate({ townId, convoyId: late.id, dueAt: null });
    expect(cleared).toMatchObject({ dueAt: null, forecast: { health: 'no_estimate' } });
    expect((await dueEscalations(townId)).find((e) => e.convoyId === late.id)).toMatchObject({ status: 'resolved' });
  });

  it('the heartbeat reads only the convoys due a check, along the due-check index', async () => {
    const { townId, convoy, at } = await convoyDueIn10h();
    // A convoy without a date is never in the index; one with a date is, until off track.
    await api.convoy.create.mutate({ townId, title: 'undated', beads: beadsFor((await api.rig.list.query({ townId }))[0]?.id ?? '', 2) });
    const { withTownDb } = await import('../helpers');
    const plan = await withTownDb(townId, (_db, storage) =>
      storage.sql
        .exec(
          'explain query plan select * from convoys where due_check_at is not null and due_check_at <= ? order by due_check_at limit 200',
          Date.now(),
        )
        .toArray()
        .map((r) => String(r.detail)),
    );
    expect(plan.join(' ')).toContain('convoys_due_check_idx');
    const indexed = () =>
      withTownDb(townId, (_db, storage) =>
        storage.sql
          .exec('select id from convoys where due_check_at is not null')
          .toArray()
          .map((r) => r.id),
      );
    expect(await indexed()).toEqual([convoy.id]);
    at(10 * HOUR_MS + 1);
    await api.watchdog.heartbeat.mutate({ townId });
    expect(await indexed()).toEqual([]);
  });

  it('setDue: town or admin; unknown convoy NOT_FOUND; a bad date BAD_REQUEST naming dueAt', async () => {
    const { townId, rigs } = await townWithRigs('alpha');
    await expectTrpcError(api.convoy.setDue.mutate({ townId, convoyId: crypto.randomUUID(), dueAt: null }), 'NOT_FOUND');
    const convoy = await api.convoy.create.mutate({ townId, title: 'x', beads: beadsFor(rigs.alpha, 1) });
    await expectTrpcError(api.convoy.setDue.mutate({ townId, convoyId: convoy.id, dueAt: 'tomorrow' }), 'BAD_REQUEST', /dueAt/);
  });
});
