import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { drizzle } from 'drizzle-orm/durable-sqlite';
import { describe, expect, it } from 'vitest';
import { countingStorage } from '../bench/sql-counter';
import * as schema from '../schema/town';

describe('countingStorage (the bench and O(1) tests rely on it)', () => {
  it('counts rows read and written by Drizzle queries, inside transactions too', async () => {
    const stub = env.TOWN.get(env.TOWN.idFromName('sql-counter'));
    await runInDurableObject(stub, (_i, state) => {
      const counter = countingStorage(state.storage);
      const db = drizzle(counter.storage, { schema });
      db.transaction((tx) => {
        for (let i = 0; i < 3; i++)
          tx.insert(schema.rigs)
            .values({ id: `r${i}`, name: `n${i}`, rigDoId: 'x', createdAt: 'now' })
            .run();
      });
      const written = counter.take();
      expect(written.rowsWritten).toBeGreaterThanOrEqual(3);
      expect(db.select().from(schema.rigs).all()).toHaveLength(3);
      expect(counter.take().rowsRead).toBe(3);
      expect(counter.take()).toEqual({ rowsRead: 0, rowsWritten: 0, statements: 0 });
    });
  });
});
