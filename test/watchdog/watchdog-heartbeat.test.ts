import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { exports } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { scheduledTask, scheduleTask } from '../../server/core/scheduler';
import { EVENT_PRUNE_TASK_ID } from '../../server/retention/event-prune-schedule';
import { HEARTBEAT_INTERVAL_MS, HEARTBEAT_TASK_ID } from '../../server/watchdog/heartbeat-schedule';
import { client, newTownId, quietConsole, townStub, withTownDb } from '../helpers';
import { setRigHealth, tuneWatchdog } from './watchdog-helpers';

const api = client();
const MAX_ROUND_TRIPS = 1_000;
const heartbeatRow = (townId: string) => withTownDb(townId, (db) => scheduledTask(db, HEARTBEAT_TASK_ID));
const alarmOf = (townId: string) => runInDurableObject(townStub(townId), (_i, state) => state.storage.getAlarm());

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('watchdog heartbeat', () => {
  it('has no heartbeat in a town without rigs; the first rig schedules one ~3 min ahead, on the alarm', async () => {
    const townId = newTownId('wd');
    await api.rig.list.query({ townId });
    expect(await heartbeatRow(townId)).toBeNull();
    expect(await alarmOf(townId)).toBeNull();

    const before = Date.now();
    await api.rig.register.mutate({ townId, name: 'alpha' });
    const row = await heartbeatRow(townId);
    expect(row?.kind).toBe('watchdog.heartbeat');
    expect(row?.dueAt).toBeGreaterThanOrEqual(before + HEARTBEAT_INTERVAL_MS);
    expect(row?.dueAt).toBeLessThanOrEqual(Date.now() + HEARTBEAT_INTERVAL_MS);
    expect(await alarmOf(townId)).toBe(row?.dueAt);

    // Another rig does not push the pulse back.
    await api.rig.register.mutate({ townId, name: 'beta' });
    expect((await heartbeatRow(townId))?.dueAt).toBe(row?.dueAt);
  });

  it('runs from the alarm, records what it saw, and re-schedules itself ~3 min ahead', async () => {
    const townId = newTownId('wd');
    const rig = await api.rig.register.mutate({ townId, name: 'alpha' });
    const due = (await heartbeatRow(townId))?.dueAt ?? 0;
    quietConsole('log');
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(due + 1);
    expect(await runDurableObjectAlarm(townStub(townId))).toBe(true);
    vi.useRealTimers();

    const next = await heartbeatRow(townId);
    expect(next).toMatchObject({ dueAt: due + 1 + HEARTBEAT_INTERVAL_MS, attempts: 0, lastError: null });
    expect(await alarmOf(townId)).toBe(next?.dueAt);
    const status = await api.watchdog.status.query({ townId });
    expect(status.lastHeartbeat).toMatchObject({ at: new Date(due + 1).toISOString(), stepErrors: 0 });
    expect(status.nextHeartbeatAt).toBe(new Date(due + 1 + HEARTBEAT_INTERVAL_MS).toISOString());
    expect(status.targets.map((t) => [t.target, t.kind, t.status])).toEqual([
      ['town-container', 'container', 'unavailable'],
      [rig.id, 'rig', 'healthy'],
    ]);
  });

  it('shares the one alarm: a task due before the next heartbeat keeps it', async () => {
    const townId = newTownId('wd');
    await api.rig.register.mutate({ townId, name: 'alpha' });
    const soon = Date.now() + 60_000;
    await withTownDb(townId, (db) => scheduleTask(db, { id: 'delivery', kind: 'test.delivery', dueAt: soon }));
    quietConsole('log');
    const report = await api.watchdog.heartbeat.mutate({ townId });
    expect(Date.parse(report.nextHeartbeatAt ?? '')).toBeGreaterThan(soon);
    expect(await alarmOf(townId)).toBe(soon);
  });

  it('checks rigs in parallel: a throwing rig and eight hung ones cost one timeout; the next heartbeat is scheduled', async () => {
    const townId = newTownId('wd');
    const hungNames = Array.from({ length: 8 }, (_, i) => `hung-${i}`);
    const rigs: { name: string; rigDoId: string }[] = [];
    for (const name of ['healthy', 'throwing', 'sick', ...hungNames]) rigs.push(await api.rig.register.mutate({ townId, name }));
    const rigDoId = (name: string) => rigs.find((r) => r.name === name)?.rigDoId ?? '';
    await setRigHealth(rigDoId('throwing'), 'throw');
    await setRigHealth(rigDoId('sick'), 'unhealthy');
    for (const name of hungNames) await setRigHealth(rigDoId(name), 'hang');
    await tuneWatchdog(townId, { rigTimeoutMs: 300 });
    quietConsole('log');

    // The checks' timeouts run on a fake clock that only the test moves. Checked in parallel, all eight
    // hung rigs have their timeout armed at once, and one move of 300 ms ends the heartbeat; checked one
    // after another, only one would ever be armed, and the wait below would not end.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const started = Date.now();
    let settled = false;
    const heartbeat = api.watchdog.heartbeat.mutate({ townId }).finally(() => {
      settled = true;
    });
    // Armed at once, then the answering rigs and the container clear theirs: eight left, the hung ones.
    // Bounded by round trips, not time: the DO arms them within a few turns of its event loop.
    for (let turn = 0; vi.getTimerCount() !== hungNames.length; turn++) {
      if (settled) throw new Error('the heartbeat ended before its hung checks timed out');
      if (turn === MAX_ROUND_TRIPS)
        throw new Error(`${vi.getTimerCount()} timeouts armed, not ${hungNames.length}: checks run one after another`);
      await exports.default.fetch('http://town.test/health'); // a real round trip lets the DO run
    }
    // Fired inside the TownDO, whose promises the timers settle (a DO's I/O is its own).
    await runInDurableObject(townStub(townId), () => vi.advanceTimersByTime(300)); // one timeout, for all eight
    const report = await heartbeat;
    expect(vi.getTimerCount()).toBe(0); // and no second round of timeouts was armed
    vi.useRealTimers();
    const byName = Object.fromEntries(report.targets.map((t) => [t.name, t]));
    expect(byName.healthy).toMatchObject({ status: 'healthy', error: null, consecutiveFailures: 0, transition: null });
    expect(byName.throwing).toMatchObject({
      status: 'unhealthy',
      error: 'injected fault: rig storage is corrupt',
      consecutiveFailures: 1,
      transition: 'failing',
    });
    expect(byName.sick).toMatchObject({ status: 'unhealthy', error: expect.stringMatching(/reported unhealthy.*disk full/) });
    for (const name of hungNames) {
      expect(byName[name]).toMatchObject({ status: 'unhealthy', error: `rig ${name} health() timed out after 300 ms` });
    }
    expect(byName['Town Container']).toMatchObject({ kind: 'container', status: 'unavailable' });
    expect(report.targets).toHaveLength(12);
    expect(report.stepErrors).toEqual([]);
    expect(Date.parse(report.nextHeartbeatAt ?? '')).toBeGreaterThanOrEqual(started + HEARTBEAT_INTERVAL_MS);
    expect((await heartbeatRow(townId))?.dueAt).toBe(Date.parse(report.nextHeartbeatAt ?? ''));
  });

  it('joins a heartbeat already running instead of counting a failure twice', async () => {
    const townId = newTownId('wd');
    const rig = await api.rig.register.mutate({ townId, name: 'hung' });
    await setRigHealth(rig.rigDoId, 'hang');
    await tuneWatchdog(townId, { rigTimeoutMs: 200 });
    quietConsole('warn');
    const [a, b] = await Promise.all([api.watchdog.heartbeat.mutate({ townId }), api.watchdog.heartbeat.mutate({ townId })]);
    expect(a).toEqual(b);
    expect((await api.watchdog.status.query({ townId })).targets.find((t) => t.target === rig.id)?.consecutiveFailures).toBe(1);
  });

  it('stops once the town has no rigs, and forgets removed rigs', async () => {
    const townId = newTownId('wd');
    const [alpha, beta] = [
      await api.rig.register.mutate({ townId, name: 'alpha' }),
      await api.rig.register.mutate({ townId, name: 'beta' }),
    ];
    quietConsole('log');
    await api.watchdog.heartbeat.mutate({ townId });
    await api.rig.remove.mutate({ townId, rigId: alpha.id });
    const afterRemoval = await api.watchdog.heartbeat.mutate({ townId });
    expect(afterRemoval.targets.map((t) => t.target)).toEqual([beta.id, 'town-container']);
    expect((await api.watchdog.status.query({ townId })).targets.map((t) => t.target)).toEqual(['town-container', beta.id]);
    expect(
      await withTownDb(
        townId,
        (_db, storage) => storage.sql.exec('select count(*) as n from health_checks where target = ?', alpha.id).one().n,
      ),
    ).toBe(0);

    await api.rig.remove.mutate({ townId, rigId: beta.id });
    const last = await api.watchdog.heartbeat.mutate({ townId });
    expect(last.nextHeartbeatAt).toBeNull();
    expect(await heartbeatRow(townId)).toBeNull();
    // What keeps the alarm now is only the event log's pruning, at the oldest event's expiry (days away).
    const prune = await withTownDb(townId, (db) => scheduledTask(db, EVENT_PRUNE_TASK_ID));
    expect(prune?.dueAt).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    expect(await alarmOf(townId)).toBe(prune?.dueAt);
    expect((await api.watchdog.status.query({ townId })).nextHeartbeatAt).toBeNull();
  });

  it('keeps the pulse when a rig is registered while a heartbeat of a rigless town is under way', async () => {
    const townId = newTownId('wd');
    const first = await api.rig.register.mutate({ townId, name: 'alpha' });
    await api.rig.remove.mutate({ townId, rigId: first.id });
    quietConsole('log');
    // The heartbeat awaits its checks; the registration lands meanwhile, before it re-schedules.
    const [, beta] = await Promise.all([api.watchdog.heartbeat.mutate({ townId }), api.rig.register.mutate({ townId, name: 'beta' })]);
    expect((await api.rig.list.query({ townId })).map((r) => r.id)).toEqual([beta.id]);
    expect(await heartbeatRow(townId)).toMatchObject({ kind: 'watchdog.heartbeat' });
    expect((await api.watchdog.status.query({ townId })).nextHeartbeatAt).not.toBeNull();
  });
});
