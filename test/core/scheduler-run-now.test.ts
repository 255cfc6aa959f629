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
});
