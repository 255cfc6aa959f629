import { runDurableObjectAlarm } from 'cloudflare:test';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as schema from '../../schema/town';
import { scheduledTask } from '../../server/core/scheduler';
import { HEARTBEAT_INTERVAL_MS, HEARTBEAT_TASK_ID } from '../../server/watchdog/heartbeat-schedule';
import { client, newTownId, quietConsole, townStub, withTownDb } from '../helpers';

const api = client();
const heartbeatRow = (townId: string) => withTownDb(townId, (db) => scheduledTask(db, HEARTBEAT_TASK_ID));

beforeEach(() => quietConsole('log', 'warn', 'error'));
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('watchdog resilience: a step that throws stops nothing else', () => {
  it('a corrupt rig row fails only that rig’s check', async () => {
    const townId = newTownId('wd');
    const good = await api.rig.register.mutate({ townId, name: 'good' });
    await withTownDb(townId, (db) =>
      db
        .insert(schema.rigs)
        .values({ id: 'corrupt-rig', name: 'corrupt', rigDoId: 'not-a-durable-object-id', createdAt: new Date().toISOString() })
        .run(),
    );
    const started = Date.now();
    const report = await api.watchdog.heartbeat.mutate({ townId });
    const byTarget = Object.fromEntries(report.targets.map((t) => [t.target, t]));
    expect(byTarget['corrupt-rig']).toMatchObject({
      status: 'unhealthy',
      consecutiveFailures: 1,
      error: 'rig corrupt: its stored rigDoId does not name its Durable Object',
    });
    expect(byTarget[good.id]).toMatchObject({ status: 'healthy' });
    expect(byTarget['town-container']).toMatchObject({ status: 'unavailable' });
    expect(report.stepErrors).toEqual([]);
    expect(Date.parse(report.nextHeartbeatAt ?? '')).toBeGreaterThanOrEqual(started + HEARTBEAT_INTERVAL_MS);
  });

  it('a target whose record cannot be written is skipped, atomically; the others are recorded and the alarm re-arms', async () => {
    const townId = newTownId('wd');
    const [bad, good] = [await api.rig.register.mutate({ townId, name: 'bad' }), await api.rig.register.mutate({ townId, name: 'good' })];
    // A corrupt history row for one rig: every insert of its checks now fails.
    await withTownDb(townId, (_db, storage) =>
      storage.sql.exec(
        `create trigger corrupt_history before insert on health_checks when new.target = '${bad.id}' begin select raise(abort, 'corrupt history row'); end`,
      ),
    );
    const due = (await heartbeatRow(townId))?.dueAt ?? 0;
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(due + 1);
    expect(await runDurableObjectAlarm(townStub(townId))).toBe(true);
    vi.useRealTimers();

    // Re-scheduled an interval ahead as usual, not retried with the scheduler's error backoff.
    expect(await heartbeatRow(townId)).toMatchObject({ dueAt: due + 1 + HEARTBEAT_INTERVAL_MS, attempts: 0, lastError: null });
    const status = await api.watchdog.status.query({ townId });
    expect(status.lastHeartbeat).toMatchObject({ at: new Date(due + 1).toISOString(), stepErrors: 1 });
    expect(status.targets.map((t) => t.target)).toEqual(['town-container', good.id]);
    // The failed target's record did not half-happen: neither its record nor a history row exists.
    const badRows = await withTownDb(townId, (db) => ({
      target: db.select().from(schema.healthTargets).where(eq(schema.healthTargets.target, bad.id)).all(),
      checks: db.select().from(schema.healthChecks).where(eq(schema.healthChecks.target, bad.id)).all(),
    }));
    expect(badRows).toEqual({ target: [], checks: [] });

    const report = await api.watchdog.heartbeat.mutate({ townId });
    expect(report.stepErrors).toEqual([{ step: 'record', target: bad.id, message: expect.stringMatching(/corrupt history row/) }]);
    expect(report.targets.find((t) => t.target === bad.id)).toMatchObject({ status: 'healthy', consecutiveFailures: null });
  });

  it('when the rigs cannot be read, the container is still checked and the pulse goes on', async () => {
    const townId = newTownId('wd');
    await api.rig.register.mutate({ townId, name: 'alpha' });
    await withTownDb(townId, (_db, storage) => storage.sql.exec('alter table rigs rename to rigs_lost'));
    const started = Date.now();
    const report = await api.watchdog.heartbeat.mutate({ townId });
    // Listing the rigs fails, and so does asking whether any are left before re-scheduling: the pulse goes on.
    expect(report.stepErrors).toEqual([
      { step: 'list-rigs', target: null, message: expect.stringMatching(/no such table: rigs/) },
      { step: 'has-rigs', target: null, message: expect.stringMatching(/no such table: rigs/) },
    ]);
    expect(report.targets.map((t) => [t.target, t.status, t.consecutiveFailures])).toEqual([['town-container', 'unavailable', 0]]);
    expect(Date.parse(report.nextHeartbeatAt ?? '')).toBeGreaterThanOrEqual(started + HEARTBEAT_INTERVAL_MS);
    expect((await heartbeatRow(townId))?.dueAt).toBe(Date.parse(report.nextHeartbeatAt ?? ''));
  });
});
