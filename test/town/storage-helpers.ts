import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { drizzle } from 'drizzle-orm/durable-sqlite';
import * as townSchema from '../../schema/town';
import type { TownContext } from '../../server/core/context';
import { runMaintenance } from '../../server/retention/maintenance';
import { townStub } from '../helpers';

/** Runs `fn` in the town's DO with a plain module context whose clock reads `at`. */
export function inTown<R>(townId: string, at: number, fn: (ctx: TownContext, storage: DurableObjectStorage) => R) {
  return runInDurableObject(townStub(townId), (_i, state) =>
    fn({ db: drizzle(state.storage, { schema: townSchema }), env, townId, now: () => new Date(at) }, state.storage),
  );
}

/** Maintenance batches at `at` until nothing more is due; returns how many batches ran. */
export async function maintainUntilDone(townId: string, at: number, sizeBytes = 0): Promise<number> {
  for (let batches = 1; batches < 1_000; batches++) {
    const run = await inTown(townId, at, (ctx) => runMaintenance(ctx, sizeBytes));
    if (!run.more) return batches;
  }
  throw new Error('maintenance never finished');
}
export { DAY_MS } from '../../server/core/time';
