import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as schema from '../../schema/town';
import { allEvents, client, newTownId, quietConsole, withTownDb } from '../helpers';
import { escalationsOf, setRigHealth, tuneWatchdog } from './watchdog-helpers';

const api = client();
const recoveries = (townId: string) =>
  withTownDb(townId, (db) =>
    db
      .select()
      .from(schema.outbox)
      .all()
      .filter((row) => row.type === 'watchdog.recovered'),
  );

beforeEach(() => quietConsole('log', 'warn'));
afterEach(() => vi.restoreAllMocks());

describe('watchdog outages', () => {
  it('escalates once per outage after two consecutive failures; recovery ends it and is notified', async () => {
    const townId = newTownId('wd');
    const [sick, fine] = [await api.rig.register.mutate({ townId, name: 'sick' }), await api.rig.register.mutate({ townId, name: 'fine' })];
    await setRigHealth(sick.rigDoId, 'throw');
    const sickIn = (report: { targets: { target: string }[] }) => report.targets.find((t) => t.target === sick.id);

    const first = await api.watchdog.heartbeat.mutate({ townId });
    const firstFailureAt = (await api.watchdog.history.query({ townId, target: sick.id, limit: 1 })).checks[0]?.checkedAt;
    expect(sickIn(first)).toMatchObject({ status: 'unhealthy', consecutiveFailures: 1, transition: 'failing' });
    expect(await escalationsOf(townId)).toEqual([]);

    const second = await api.watchdog.heartbeat.mutate({ townId });
    expect(sickIn(second)).toMatchObject({ consecutiveFailures: 2, transition: 'escalated' });
    const [escalation, ...others] = await escalationsOf(townId);
    expect(others).toEqual([]);
    expect(escalation).toMatchObject({ sourceRigId: sick.id, severity: 'high', category: 'watchdog' });
    expect(escalation?.message).toMatch(/Rig sick .* failed 2 consecutive health checks: injected fault: rig storage is corrupt/);

    const third = await api.watchdog.heartbeat.mutate({ townId });
    expect(sickIn(third)).toMatchObject({ consecutiveFailures: 3, transition: null });
    expect(await escalationsOf(townId)).toHaveLength(1); // the same outage: not once per tick
    const during = (await api.watchdog.status.query({ townId })).targets.find((t) => t.target === sick.id);
    expect(during).toMatchObject({ status: 'unhealthy', escalationId: escalation?.id, failingSince: firstFailureAt, lastHealthyAt: null });
    expect(await recoveries(townId)).toEqual([]);

    await setRigHealth(sick.rigDoId, 'heal');
    const recovered = await api.watchdog.heartbeat.mutate({ townId });
    expect(sickIn(recovered)).toMatchObject({ status: 'healthy', consecutiveFailures: 0, transition: 'recovered' });
    const recoveredAt = (await api.watchdog.history.query({ townId, target: sick.id, limit: 1 })).checks[0]?.checkedAt;
    const after = (await api.watchdog.status.query({ townId })).targets.find((t) => t.target === sick.id);
    expect(after).toMatchObject({
      status: 'healthy',
      consecutiveFailures: 0,
      failingSince: null,
      escalationId: null,
      lastHealthyAt: recoveredAt,
      lastCheckedAt: recoveredAt,
      lastError: 'injected fault: rig storage is corrupt', // the last error seen stays on the record
    });
    const notified = await recoveries(townId);
    expect(notified.map((n) => n.channel)).toEqual(['mayor']); // no webhook configured in this town
    const [recoveredEvent] = await allEvents({ townId, types: ['watchdog.recovered'] });
    expect(recoveredEvent).toMatchObject({ rigId: sick.id, escalationId: escalation?.id });
    expect(notified[0]?.eventId).toBe(recoveredEvent?.id);
    expect(notified[0]?.payload.data).toMatchObject({
      target: sick.id,
      kind: 'rig',
      escalationId: escalation?.id,
      failingSince: firstFailureAt,
      recoveredAt,
    });

    const history = await api.watchdog.history.query({ townId, target: sick.id });
    expect(history.checks.map((c) => [c.status, c.transition])).toEqual([
      ['healthy', 'recovered'],
      ['unhealthy', null],
      ['unhealthy', 'escalated'],
      ['unhealthy', 'failing'],
    ]);
    expect((await api.watchdog.status.query({ townId })).targets.find((t) => t.target === fine.id)?.consecutiveFailures).toBe(0);

    // A new outage is a new escalation.
    await setRigHealth(sick.rigDoId, 'hang');
    await tuneWatchdog(townId, { rigTimeoutMs: 100 });
    await api.watchdog.heartbeat.mutate({ townId });
    await api.watchdog.heartbeat.mutate({ townId });
    const both = await escalationsOf(townId);
    expect(both).toHaveLength(2);
    expect(both[1]?.message).toMatch(/timed out after 100 ms/);
  });

  it('keeps an outage escalated before dedup keys (no key on its escalation) as its one escalation', async () => {
    const townId = newTownId('wd');
    const rig = await api.rig.register.mutate({ townId, name: 'legacy' });
    await setRigHealth(rig.rigDoId, 'throw');
    await api.watchdog.heartbeat.mutate({ townId });
    await api.watchdog.heartbeat.mutate({ townId });
    // As a row written by the previous version: no dedup key.
    await withTownDb(townId, (db) => db.update(schema.escalations).set({ dedupKey: null }).run());
    const third = await api.watchdog.heartbeat.mutate({ townId });
    expect(third.targets.find((t) => t.target === rig.id)).toMatchObject({ consecutiveFailures: 3, transition: null });
    const [only, ...others] = await escalationsOf(townId);
    expect(others).toEqual([]);
    expect(only).toMatchObject({ dedupKey: null, occurrences: 1 });
    await setRigHealth(rig.rigDoId, 'heal');
    await api.watchdog.heartbeat.mutate({ townId });
    expect((await escalationsOf(townId))[0]).toMatchObject({ resolvedBy: 'watchdog' });
  });

  it('records a blip that heals before the threshold without escalating or notifying', async () => {
    const townId = newTownId('wd');
    const rig = await api.rig.register.mutate({ townId, name: 'blip' });
    await setRigHealth(rig.rigDoId, 'unhealthy');
    await api.watchdog.heartbeat.mutate({ townId });
    await setRigHealth(rig.rigDoId, 'heal');
    const report = await api.watchdog.heartbeat.mutate({ townId });
    expect(report.targets.find((t) => t.target === rig.id)).toMatchObject({ status: 'healthy', transition: 'recovered' });
    expect(await escalationsOf(townId)).toEqual([]);
    expect(await recoveries(townId)).toEqual([]);
  });

  it('honours a configured threshold', async () => {
    const townId = newTownId('wd');
    const rig = await api.rig.register.mutate({ townId, name: 'flaky' });
    await setRigHealth(rig.rigDoId, 'throw');
    await tuneWatchdog(townId, { failureThreshold: 3 });
    await api.watchdog.heartbeat.mutate({ townId });
    await api.watchdog.heartbeat.mutate({ townId });
    expect(await escalationsOf(townId)).toEqual([]);
    await api.watchdog.heartbeat.mutate({ townId });
    expect(await escalationsOf(townId)).toHaveLength(1);
  });

  it('reports the container unavailable where containers are disabled, which is no failure and never escalates', async () => {
    const townId = newTownId('wd');
    await api.rig.register.mutate({ townId, name: 'alpha' });
    for (let i = 0; i < 3; i += 1) {
      const report = await api.watchdog.heartbeat.mutate({ townId });
      expect(report.targets.find((t) => t.kind === 'container')).toMatchObject({
        target: 'town-container',
        status: 'unavailable',
        error: 'containers are not enabled in this environment',
        consecutiveFailures: 0,
        transition: null,
      });
    }
    expect(await escalationsOf(townId)).toEqual([]);
    const record = (await api.watchdog.status.query({ townId })).targets.find((t) => t.kind === 'container');
    expect(record).toMatchObject({ status: 'unavailable', failingSince: null, lastHealthyAt: null });
  });
});
