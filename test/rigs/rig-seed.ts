import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { drizzle } from 'drizzle-orm/durable-sqlite';
import { countingStorage } from '../../bench/sql-counter';
import * as rigSchema from '../../schema/rig';
import type { RigContext } from '../../server/rigs/rig-context';

// A RigDO filled straight through SQL (fast: one statement for any number of beads), and its logic
// modules called inside it with the rows each call reads and writes counted (test and bench).

export const rigStubOf = (key: string) => env.RIG.get(env.RIG.idFromName(`${key}/rig`));

/**
 * `open` claimable beads and `waiting` beads in backoff (retry in an hour), all of convoy `convoyId`;
 * the claimable ones spread over the priority levels (bead i at level (i − 1) mod `levels`, default all 2).
 */
export function seedRig(key: string, open: number, waiting = 0, convoyId: string | null = 'c', levels = 0) {
  return runInDurableObject(rigStubOf(key), (_i, state) => {
    const sql = state.storage.sql;
    // The rig row is there already: the RigDO kept its town and id on its first wake (core/identity.ts).
    const retryAt = new Date(Date.now() + 3_600_000).toISOString();
    sql.exec(
      `with recursive n(i) as (select 1 union all select i + 1 from n where i < ?)
       insert into beads (id, title, convoy_id, created_at, status, retry_at, claimable_since, priority)
       select 'b' || i, 't', ?, ?, 'open', case when i > ? then ? end, case when i <= ? then ? else ? end, case when ? > 0 then (i - 1) % ? else 2 end from n`,
      open + waiting,
      convoyId,
      new Date(0).toISOString(),
      open,
      retryAt,
      open,
      new Date(0).toISOString(),
      retryAt,
      levels,
      levels,
    );
  });
}

/** Runs `fn` in the seeded RigDO with a counting database; returns its answer and rows read/written. */
export function countedInRig<R>(key: string, fn: (ctx: RigContext) => R | Promise<R>) {
  return runInDurableObject(rigStubOf(key), async (_i, state) => {
    const counter = countingStorage(state.storage);
    const ctx: RigContext = {
      db: drizzle(counter.storage, { schema: rigSchema }),
      env,
      now: () => new Date(),
      townId: key,
      rigId: 'rig',
      armAlarm: async () => {},
    };
    const result = await fn(ctx);
    return { result, ...counter.take() };
  });
}
