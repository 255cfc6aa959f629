import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { drizzle } from 'drizzle-orm/durable-sqlite';
import * as rigSchema from '../schema/rig';
import * as townSchema from '../schema/town';
import * as convoys from '../server/convoys/convoys';
import { convoyTaskHandlers } from '../server/convoys/delivery';
import { runTasksNow } from '../server/core/scheduler';
import { claimBead } from '../server/rigs/claims';
import { unblockBeads } from '../server/rigs/dependencies';
import { closeBead } from '../server/rigs/outcomes';
import { rigStub } from '../server/rigs/stub';
import { countedInRig, seedRig } from '../test/rigs/rig-seed';
import { countingStorage } from './sql-counter';
import { townStub, value } from './town';

// The SQLite rows one bead costs on its way through a convoy, counted on the real DOs' databases with the
// same modules the RPCs run: the rig's claim and close (the same for both convoys), the town's close, and
// for a bead with a dependent on another rig, the release: the town's close schedules one message, the
// alarm's run of it, and the dependent's rig making it claimable.

export interface Rows {
  rowsRead: number;
  rowsWritten: number;
}

const add = (a: Rows, b: Rows): Rows => ({ rowsRead: a.rowsRead + b.rowsRead, rowsWritten: a.rowsWritten + b.rowsWritten });

export async function rowsPerBead(townId: string, rigs: readonly { id: string; rigDoId: string }[]) {
  const [first, second] = rigs;
  if (!first || !second) throw new Error('two rigs needed');
  const stub = townStub(townId);
  // Two beads each, so the counted close is not the landing one.
  const flat = value(
    await stub.createConvoy(townId, {
      title: 'rows flat',
      beads: [
        { rigId: first.id, title: 'c' },
        { rigId: first.id, title: 'd' },
      ],
    }),
  );
  const chain = value(
    await stub.createConvoy(townId, {
      title: 'rows chain',
      beads: [
        { rigId: first.id, title: 'a', key: 'a' },
        { rigId: second.id, title: 'b', key: 'b', dependsOn: ['a'] },
        { rigId: second.id, title: 'e', key: 'e' },
      ],
    }),
  );
  const [a, b] = chain.beadIds as [string, string, string];
  const inTown = <R>(fn: (ctx: Parameters<typeof convoys.beadClosed>[0]) => R | Promise<R>) =>
    runInDurableObject(stub, async (_instance, state) => {
      const counter = countingStorage(state.storage);
      await fn({ db: drizzle(counter.storage, { schema: townSchema }), env, townId, now: () => new Date() });
      return counter.take();
    });
  const townFlat = await inTown((ctx) => convoys.beadClosed(ctx, { convoyId: flat.id, beadId: flat.beadIds[0] as string }));
  const townClose = await inTown((ctx) => convoys.beadClosed(ctx, { convoyId: chain.id, beadId: a }));
  // The dependent's rig first (counted), then the town's task run (its second telling writes nothing).
  const rigRelease = await runInDurableObject(rigStub(env, townId, second.id), (_i, state) => {
    const counter = countingStorage(state.storage);
    const ctx = {
      db: drizzle(counter.storage, { schema: rigSchema }),
      env,
      now: () => new Date(),
      townId,
      rigId: second.id,
      armAlarm: async () => {},
    };
    const { missing } = unblockBeads(ctx, chain.id, [b]);
    if (missing !== 0) throw new Error('the dependent had not reached its rig');
    return counter.take();
  });
  const taskId = `convoy.unblock:${chain.id}:${second.id}:${a}`;
  const townTask = await inTown((ctx) => runTasksNow(ctx.db, [taskId], Date.now(), convoyTaskHandlers(ctx), { townId }));
  const after = value(await stub.getConvoy(townId, chain.id));
  if (after.blockedBeads !== 0 || after.readyBeads !== 2) throw new Error(`release not counted: ${after.blockedBeads} blocked`);

  const key = `bench-wave-rows-${crypto.randomUUID()}`;
  await seedRig(key, 1, 0, null);
  const rigLoop = await countedInRig(key, async (ctx) => {
    const { bead } = claimBead(ctx, { agentId: 'counted' });
    if (!bead) throw new Error('nothing to claim');
    await closeBead(ctx, { beadId: bead.id, agentId: 'counted' });
  });
  return {
    flat: add(rigLoop, townFlat),
    waves: add(add(rigLoop, townClose), add(townTask, rigRelease)),
    parts: { rigLoop, townFlat, townClose, townTask, rigRelease },
  };
}
