import { afterEach, describe, expect, it, vi } from 'vitest';
import { scheduledTask } from '../../server/core/scheduler';
import { runMaintenance } from '../../server/retention/maintenance';
import { MAINTENANCE_TASK_ID } from '../../server/retention/maintenance-schedule';
import { client, newTownId, quietConsole, withTownDb } from '../helpers';
import { settle } from '../town-helpers';
import { DAY_MS, inTown } from './storage-helpers';

const api = client();
const MIB = 1024 ** 2;

afterEach(() => {
  vi.useRealTimers();
});

describe('storage watch and town.stats', () => {
  it('escalates (high) once per episode past 80 % of the budget, and again after it ended', async () => {
    const townId = newTownId('storage');
    await api.rig.register.mutate({ townId, name: 'alpha' }); // maintenance runs in a town with rigs
    await api.town.setSettings.mutate({ townId, storageBudgetBytes: 10 * MIB });
    const check = (sizeBytes: number) => inTown(townId, Date.now(), (ctx) => runMaintenance(ctx, sizeBytes));
    const storageEscalations = async () =>
      (await api.escalation.list.query({ townId })).items.filter((e) => e.sourceRigId === 'town-storage');

    await check(7 * MIB);
    expect(await storageEscalations()).toEqual([]);
    await check(8.5 * MIB);
    await check(9 * MIB);
    const [first, ...others] = await storageEscalations();
    expect(others).toEqual([]);
    expect(first).toMatchObject({ severity: 'high', category: 'watchdog' });
    expect((await api.town.stats.query({ townId })).overBudgetSince).toEqual(expect.any(String));

    await check(6 * MIB);
    expect((await api.town.stats.query({ townId })).overBudgetSince).toBeNull();
    await check(9.5 * MIB);
    expect(await storageEscalations()).toHaveLength(2);
    expect(new Set((await storageEscalations()).map((e) => e.id)).size).toBe(2); // a new episode, not the old one again
  });

  it('town.stats gives the database size, rows per table and the oldest kept items', async () => {
    const townId = newTownId('stats');
    const rig = await api.rig.register.mutate({ townId, name: 'alpha' });
    const convoy = await api.convoy.create.mutate({
      townId,
      title: 'c',
      beads: [
        { rigId: rig.id, title: 'a' },
        { rigId: rig.id, title: 'b' },
      ],
    });
    const stats = await api.town.stats.query({ townId });
    const size = await withTownDb(townId, (_db, storage) => storage.sql.databaseSize);
    expect(stats.databaseSizeBytes).toBe(size);
    expect(stats).toMatchObject({ storageBudgetBytes: 10 * 1024 ** 3, alertAtBytes: Math.floor(8 * 1024 ** 3) });
    expect(stats.rows).toMatchObject({ rigs: 1, convoys: 1, convoy_beads: 2 });
    expect(Object.keys(stats.rows).some((t) => t.startsWith('_cf_') || t.startsWith('sqlite_'))).toBe(false);
    expect(stats.oldest.convoyCreatedAt).toBe(convoy.createdAt);
    expect(stats.oldest.escalationCreatedAt).toBeNull();
  });

  it('runs from the scheduler: registering a rig starts it, and it compacts once time has passed', async () => {
    const townId = newTownId('maint');
    const rig = await api.rig.register.mutate({ townId, name: 'alpha' });
    expect(await withTownDb(townId, (db) => scheduledTask(db, MAINTENANCE_TASK_ID))).toMatchObject({ kind: 'storage.maintenance' });
    const convoy = await api.convoy.create.mutate({ townId, title: 'c', beads: [{ rigId: rig.id, title: 'a' }] });
    await api.convoy.beadClosed.mutate({ townId, convoyId: convoy.id, beadId: convoy.beadIds[0] ?? '' });
    quietConsole('log');
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 31 * DAY_MS);
    await settle(townId);
    expect((await api.convoy.get.query({ townId, convoyId: convoy.id })).compactedAt).toEqual(expect.any(String));
    // Still recurring (the town has a rig).
    expect(await withTownDb(townId, (db) => scheduledTask(db, MAINTENANCE_TASK_ID))).not.toBeNull();
  });
});
