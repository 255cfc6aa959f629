import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { drizzle } from 'drizzle-orm/durable-sqlite';
import { describe, expect, it, vi } from 'vitest';
import * as schema from '../schema/town';
import { nextDueAt, retryDelayMs, runDueTasks, scheduledTask, scheduleTask } from '../server/scheduler';
import { client, newTownId } from './helpers';

function townStub() {
  return env.TOWN.get(env.TOWN.idFromName(newTownId('sched')));
}

/** Runs `fn` with a Drizzle handle on a fresh, migrated TownDO database. */
function withTownDb<R>(fn: (db: ReturnType<typeof drizzle<typeof schema>>, storage: DurableObjectStorage) => R | Promise<R>) {
  return runInDurableObject(townStub(), (_instance, state) => fn(drizzle(state.storage, { schema }), state.storage));
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
});
