import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as schema from '../../schema/town';
import { client, expectTrpcError, newTownId, quietConsole, withTownDb } from '../helpers';
import { setRigHealth, tuneWatchdog } from './watchdog-helpers';

const api = client();

beforeEach(() => quietConsole('log', 'warn'));
afterEach(() => vi.restoreAllMocks());

describe('watchdog procedures', () => {
  it('status of a new town: no heartbeat yet, none scheduled, no targets', async () => {
    const townId = newTownId('wd');
    expect(await api.watchdog.status.query({ townId })).toEqual({ lastHeartbeat: null, nextHeartbeatAt: null, targets: [] });
  });

  it('status gives each target’s full record, in plain JSON', async () => {
    const townId = newTownId('wd');
    const rig = await api.rig.register.mutate({ townId, name: 'alpha' });
    const report = await api.watchdog.heartbeat.mutate({ townId });
    const status = await api.watchdog.status.query({ townId });
    expect(status.lastHeartbeat).toEqual({ at: report.startedAt, durationMs: report.durationMs, stepErrors: 0 });
    expect(status.nextHeartbeatAt).toBe(report.nextHeartbeatAt);
    const record = status.targets.find((t) => t.target === rig.id);
    expect(record).toEqual({
      target: rig.id,
      kind: 'rig',
      name: 'alpha',
      status: 'healthy',
      lastCheckedAt: expect.any(String),
      latencyMs: expect.any(Number),
      consecutiveFailures: 0,
      lastError: null,
      lastHealthyAt: record?.lastCheckedAt,
      failingSince: null,
      escalationId: null,
    });
    expect(new Date(record?.lastCheckedAt ?? '').toISOString()).toBe(record?.lastCheckedAt);
  });

  it('history: newest first, by target, limited, and capped per target', async () => {
    const townId = newTownId('wd');
    const rig = await api.rig.register.mutate({ townId, name: 'alpha' });
    await tuneWatchdog(townId, { historyPerTarget: 3 });
    await setRigHealth(rig.rigDoId, 'throw');
    await api.watchdog.heartbeat.mutate({ townId });
    await setRigHealth(rig.rigDoId, 'heal');
    for (let i = 0; i < 4; i += 1) await api.watchdog.heartbeat.mutate({ townId });

    const rigHistory = await api.watchdog.history.query({ townId, target: rig.id });
    expect(rigHistory.checks).toHaveLength(3); // the failing check and the recovery were pruned
    expect(rigHistory.checks.every((c) => c.target === rig.id && c.status === 'healthy' && c.transition === null)).toBe(true);
    const times = rigHistory.checks.map((c) => c.checkedAt);
    expect([...times].sort().reverse()).toEqual(times);
    const stored = await withTownDb(townId, (db) => db.select().from(schema.healthChecks).all());
    expect(stored).toHaveLength(6); // 3 per target, the rig and the container

    expect((await api.watchdog.history.query({ townId, limit: 2 })).checks).toHaveLength(2);
    const container = await api.watchdog.history.query({ townId, target: 'town-container', limit: 10 });
    expect(container.checks.map((c) => c.status)).toEqual(['unavailable', 'unavailable', 'unavailable']);
    expect(Object.keys(container.checks[0] ?? {}).sort()).toEqual(['checkedAt', 'error', 'latencyMs', 'status', 'target', 'transition']);
  });

  it('history of a target that is neither the container nor a rig of the town is NOT_FOUND', async () => {
    const townId = newTownId('wd');
    const rig = await api.rig.register.mutate({ townId, name: 'alpha' });
    expect(await api.watchdog.history.query({ townId, target: rig.id })).toEqual({ checks: [] }); // not checked yet
    await expectTrpcError(api.watchdog.history.query({ townId, target: 'nope' }), 'NOT_FOUND', /nope/);
  });

  it('rejects bad input with BAD_REQUEST naming the field, and changes nothing', async () => {
    const townId = newTownId('wd');
    await expectTrpcError(api.watchdog.status.query({ townId: 'bad town!' }), 'BAD_REQUEST', /townId/);
    await expectTrpcError(api.watchdog.heartbeat.mutate({ townId: '' }), 'BAD_REQUEST', /townId/);
    // @ts-expect-error: an unknown key is refused, not ignored
    await expectTrpcError(api.watchdog.heartbeat.mutate({ townId, now: true }), 'BAD_REQUEST', /now/);
    await expectTrpcError(api.watchdog.history.query({ townId, limit: 0 }), 'BAD_REQUEST', /limit/);
    await expectTrpcError(api.watchdog.history.query({ townId, limit: 501 }), 'BAD_REQUEST', /limit/);
    await expectTrpcError(api.watchdog.history.query({ townId, limit: 1.5 }), 'BAD_REQUEST', /limit/);
    await expectTrpcError(api.watchdog.history.query({ townId, target: '' }), 'BAD_REQUEST', /target/);
    expect(await api.watchdog.status.query({ townId })).toEqual({ lastHeartbeat: null, nextHeartbeatAt: null, targets: [] });
  });

  it('requires the API token', async () => {
    await expectTrpcError(client('wrong').watchdog.status.query({ townId: newTownId() }), 'UNAUTHORIZED');
  });
});
