import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { drizzle } from 'drizzle-orm/durable-sqlite';
import { describe, expect, it, vi } from 'vitest';
import * as schema from '../../schema/town';
import { retryDelayMs, runTasksNow, scheduledTask, scheduleTask } from '../../server/core/scheduler';
import { newTownId } from '../helpers';

describe('runTasksNow', () => {
  it('runs the named tasks before they are due; one that fails stays scheduled with backoff', () =>
    runInDurableObject(env.TOWN.get(env.TOWN.idFromName(newTownId('now'))), async (_i, state) => {
      const db = drizzle(state.storage, { schema });
      scheduleTask(db, { id: 'a', kind: 'ok', dueAt: 1_000_000 });
      scheduleTask(db, { id: 'b', kind: 'boom', dueAt: 1_000_000 });
      scheduleTask(db, { id: 'c', kind: 'ok', dueAt: 1_000_000 });
      const ran: string[] = [];
      const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
      await runTasksNow(db, ['a', 'b', 'missing'], 10, {
        ok: (task) => {
          ran.push(task.id);
          return undefined;
        },
        boom: () => {
          throw new Error('rig down');
        },
      });
      errors.mockRestore();
      expect(ran).toEqual(['a']);
      expect(scheduledTask(db, 'a')).toBeNull();
      const b = scheduledTask(db, 'b');
      expect(b).toMatchObject({ attempts: 1, lastError: 'rig down' });
      expect(b?.dueAt).toBeGreaterThanOrEqual(10 + retryDelayMs(1, () => 0));
      expect(b?.dueAt).toBeLessThanOrEqual(10 + retryDelayMs(1, () => 1));
      expect(scheduledTask(db, 'c')?.dueAt).toBe(1_000_000); // not named: untouched
    }));

  it('runs the named tasks at once: each is under way before any finishes', () =>
    runInDurableObject(env.TOWN.get(env.TOWN.idFromName(newTownId('now'))), async (_i, state) => {
      const db = drizzle(state.storage, { schema });
      for (const id of ['a', 'b', 'c']) scheduleTask(db, { id, kind: 'slow', dueAt: 1_000_000 });
      const started: string[] = [];
      const startedBeforeFinishing: string[][] = [];
      await runTasksNow(db, ['a', 'b', 'c'], 10, {
        slow: async (task) => {
          started.push(task.id);
          await scheduler.wait(20); // a round trip to another DO
          startedBeforeFinishing.push([...started]);
          return undefined;
        },
      });
      expect(startedBeforeFinishing).toEqual([
        ['a', 'b', 'c'],
        ['a', 'b', 'c'],
        ['a', 'b', 'c'],
      ]);
      expect(['a', 'b', 'c'].map((id) => scheduledTask(db, id))).toEqual([null, null, null]);
    }));

  it('commits deferred writes together once every named task has answered; a commit that throws retries its task', () =>
    runInDurableObject(env.TOWN.get(env.TOWN.idFromName(newTownId('now'))), async (_i, state) => {
      const db = drizzle(state.storage, { schema });
      for (const id of ['fast', 'slow', 'bad']) scheduleTask(db, { id, kind: id, dueAt: 1_000_000 });
      const answered: string[] = [];
      const committedAfter: string[][] = [];
      const deferred =
        (id: string, ms: number, fail = false) =>
        async () => {
          await scheduler.wait(ms); // a rig's round trip
          answered.push(id);
          return {
            commit: () => {
              committedAfter.push([...answered]);
              if (fail) throw new Error('write failed');
              return undefined;
            },
          };
        };
      const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
      await runTasksNow(db, ['fast', 'slow', 'bad'], 10, {
        fast: deferred('fast', 1),
        slow: deferred('slow', 30),
        bad: deferred('bad', 5, true),
      });
      errors.mockRestore();
      // The fast task's writes waited for the slow one: all three commits saw every answer.
      expect(committedAfter).toEqual([
        ['fast', 'bad', 'slow'],
        ['fast', 'bad', 'slow'],
        ['fast', 'bad', 'slow'],
      ]);
      expect([scheduledTask(db, 'fast'), scheduledTask(db, 'slow')]).toEqual([null, null]);
      expect(scheduledTask(db, 'bad')).toMatchObject({ attempts: 1, lastError: 'write failed' });
    }));
});
