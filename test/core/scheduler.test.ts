import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/durable-sqlite';
import { describe, expect, it, vi } from 'vitest';
import * as schema from '../../schema/town';
import { forgetArmedAlarm, nextDueAt, rearm, retryDelayMs, runDueTasks, scheduledTask, scheduleTask } from '../../server/core/scheduler';
import { client, newTownId, townStub } from '../helpers';

const freshTown = () => townStub(newTownId('sched'));

/** Runs `fn` with a Drizzle handle on a fresh, migrated TownDO database. */
function withTownDb<R>(fn: (db: ReturnType<typeof drizzle<typeof schema>>, storage: DurableObjectStorage) => R | Promise<R>) {
  return runInDurableObject(freshTown(), (_instance, state) => fn(drizzle(state.storage, { schema }), state.storage));
}

describe('scheduler', () => {
  it('keeps the earlier due time when a task is scheduled again, unless asked to replace it', () =>
    withTownDb((db) => {
      scheduleTask(db, { id: 'a', kind: 'k', dueAt: 1_000 });
      scheduleTask(db, { id: 'a', kind: 'k', dueAt: 5_000 });
      expect(scheduledTask(db, 'a')?.dueAt).toBe(1_000);
      scheduleTask(db, { id: 'a', kind: 'k', dueAt: 500 });
      expect(scheduledTask(db, 'a')?.dueAt).toBe(500);
      scheduleTask(db, { id: 'a', kind: 'k', dueAt: 9_000, replace: true });
      expect(scheduledTask(db, 'a')?.dueAt).toBe(9_000);
      scheduleTask(db, { id: 'b', kind: 'k', dueAt: 2_000 });
      expect(nextDueAt(db)).toBe(2_000);
    }));

  it('runs only due tasks, isolates one that throws, and retries it with backoff', () =>
    withTownDb(async (db) => {
      const ran: string[] = [];
      scheduleTask(db, { id: 'ok', kind: 'ok', dueAt: 100, payload: { n: 1 } });
      scheduleTask(db, { id: 'boom', kind: 'boom', dueAt: 50 });
      scheduleTask(db, { id: 'orphan', kind: 'unknown', dueAt: 60 });
      scheduleTask(db, { id: 'later', kind: 'ok', dueAt: 10_000 });
      const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
      const count = await runDueTasks(db, 1_000, {
        ok: (task) => {
          ran.push(`${task.id}:${JSON.stringify(task.payload)}`);
          return undefined;
        },
        boom: () => {
          throw new Error('corrupt row');
        },
      });
      errors.mockRestore();
      expect(count).toBe(3);
      expect(ran).toEqual(['ok:{"n":1}']);
      expect(scheduledTask(db, 'ok')).toBeNull();
      const boom = scheduledTask(db, 'boom');
      expect(boom).toMatchObject({ attempts: 1, lastError: 'corrupt row' });
      expect(boom?.dueAt).toBeGreaterThanOrEqual(1_000 + retryDelayMs(1, () => 0));
      expect(boom?.dueAt).toBeLessThanOrEqual(1_000 + retryDelayMs(1, () => 1));
      expect(scheduledTask(db, 'orphan')?.lastError).toMatch(/no handler/);
      expect(scheduledTask(db, 'later')?.attempts).toBe(0);
    }));

  it('runs due tasks a few at a time, so one slow task does not hold up the others', () =>
    withTownDb(async (db) => {
      for (const id of ['a', 'b', 'c']) scheduleTask(db, { id, kind: 'slow', dueAt: 1 });
      const started: string[] = [];
      let release: () => void = () => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const run = runDueTasks(db, 10, {
        slow: async (task) => {
          started.push(task.id);
          if (started.length === 3) release();
          await gate;
          return undefined;
        },
      });
      await run;
      expect(started.sort()).toEqual(['a', 'b', 'c']);
      expect(nextDueAt(db)).toBeNull();
    }));

  it('skips a task that an earlier task of the same run finished', () =>
    withTownDb(async (db) => {
      scheduleTask(db, { id: 'first', kind: 'cancelsSecond', dueAt: 1 });
      scheduleTask(db, { id: 'second', kind: 'mustNotRun', dueAt: 2 });
      const ran: string[] = [];
      await runDueTasks(db, 10, {
        cancelsSecond: (task) => {
          ran.push(task.id);
          db.delete(schema.schedule).where(eq(schema.schedule.id, 'second')).run();
          return undefined;
        },
        mustNotRun: (task) => {
          ran.push(task.id);
          return undefined;
        },
      });
      expect(ran).toEqual(['first']);
    }));

  it('starts the retries of a task over when it is requested again', () =>
    withTownDb(async (db) => {
      scheduleTask(db, { id: 'flaky', kind: 'boom', dueAt: 1 });
      const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
      await runDueTasks(db, 10, {
        boom: () => {
          throw new Error('down');
        },
      });
      errors.mockRestore();
      expect(scheduledTask(db, 'flaky')).toMatchObject({ attempts: 1, lastError: 'down' });
      scheduleTask(db, { id: 'flaky', kind: 'boom', dueAt: 5 });
      expect(scheduledTask(db, 'flaky')).toMatchObject({ attempts: 0, lastError: null, dueAt: 5 });
    }));

  it('lets a handler ask to run again at a time of its choosing', () =>
    withTownDb(async (db) => {
      scheduleTask(db, { id: 'poll', kind: 'poll', dueAt: 0 });
      await runDueTasks(db, 10, { poll: () => ({ retryAt: 777 }) });
      expect(scheduledTask(db, 'poll')).toMatchObject({ dueAt: 777, attempts: 1 });
    }));

  it('grows the retry delay with each attempt, with bounded jitter', () => {
    expect(retryDelayMs(1, () => 0.5)).toBe(1_000);
    expect(retryDelayMs(2, () => 0.5)).toBe(5_000);
    expect(retryDelayMs(99, () => 0.5)).toBe(600_000);
    expect(retryDelayMs(1, () => 0)).toBe(900);
    expect(retryDelayMs(1, () => 1)).toBe(1_100);
  });

  it('arms the DO alarm at the earliest due task; an alarm run consumes it and re-arms', async () => {
    const townId = newTownId('alarm');
    await client().rig.list.query({ townId }); // the DO learns its town id
    const stub = env.TOWN.get(env.TOWN.idFromName(townId));
    const future = Date.now() + 60 * 60 * 1000;
    await runInDurableObject(stub, async (_i, state) => {
      const db = drizzle(state.storage, { schema });
      scheduleTask(db, { id: 'x', kind: 'unknown-kind', dueAt: future });
      await state.storage.setAlarm(future);
    });
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    // Time moves to the due time; the task's kind has no handler, so it fails and is re-armed for a retry.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(future + 1);
    try {
      expect(await runDurableObjectAlarm(stub)).toBe(true);
    } finally {
      vi.useRealTimers();
      errors.mockRestore();
    }
    const { alarm, task } = await runInDurableObject(stub, async (_i, state) => ({
      alarm: await state.storage.getAlarm(),
      task: scheduledTask(drizzle(state.storage, { schema }), 'x'),
    }));
    expect(task?.attempts).toBe(1);
    expect(alarm).toBe(task?.dueAt);
  });

  it('leaves an overdue alarm where it is: re-arming on every call must not keep putting it off', () =>
    withTownDb(async (db, storage) => {
      scheduleTask(db, { id: 'late', kind: 'k', dueAt: Date.now() - 60_000 });
      await rearm(storage, db);
      // The runtime stored the past due time as "now" (it fires that alarm at once).
      const armed = await storage.getAlarm();
      expect(armed).toBeGreaterThan(Date.now() - 60_000);
      // A later call re-arms: storage reads (which hold other events off) until the clock has moved on.
      for (let reads = 0; Date.now() <= (armed ?? 0) + 2 && reads < 10_000; reads++) await storage.get('clock');
      expect(Date.now()).toBeGreaterThan((armed ?? 0) + 2);
      await rearm(storage, db);
      expect(await storage.getAlarm()).toBe(armed);
      // A task due in the future still moves the alarm to its time.
      db.delete(schema.schedule).run();
      const later = Date.now() + 60_000;
      scheduleTask(db, { id: 'later', kind: 'k', dueAt: later });
      await rearm(storage, db);
      expect(await storage.getAlarm()).toBe(later);
    }));

  it('re-arms with no storage call while the earliest due time stays; after the alarm fired, sets it again', () =>
    withTownDb(async (db, storage) => {
      const later = Date.now() + 60_000;
      scheduleTask(db, { id: 'a', kind: 'k', dueAt: later });
      await rearm(storage, db);
      const getAlarm = vi.spyOn(storage, 'getAlarm');
      const setAlarm = vi.spyOn(storage, 'setAlarm');
      const deleteAlarm = vi.spyOn(storage, 'deleteAlarm');
      await rearm(storage, db);
      scheduleTask(db, { id: 'b', kind: 'k', dueAt: later + 1_000 }); // not the earliest: the alarm stays
      await rearm(storage, db);
      expect([getAlarm.mock.calls.length, setAlarm.mock.calls.length, deleteAlarm.mock.calls.length]).toEqual([0, 0, 0]);
      // A task due earlier moves it.
      scheduleTask(db, { id: 'c', kind: 'k', dueAt: later - 1_000 });
      await rearm(storage, db);
      expect(await storage.getAlarm()).toBe(later - 1_000);
      // The runtime clears an alarm that fired; alarm() forgets it, and the next re-arm sets it again.
      await storage.deleteAlarm();
      forgetArmedAlarm(storage);
      await rearm(storage, db);
      expect(await storage.getAlarm()).toBe(later - 1_000);
      vi.restoreAllMocks();
    }));
});
