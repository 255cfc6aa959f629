import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { drizzle } from 'drizzle-orm/durable-sqlite';
import { it } from 'vitest';
import * as schema from '../schema/town';
import * as convoys from '../server/convoys/convoys';
import { fmt, median, report } from './report';
import { benchTown, quietLogs, spreadBeads, townStub, value } from './town';

// Scenario 8: 500 concurrent closes on one convoy, closes per second, beside a raw `ctx.storage.sql`
// baseline making the same two updates (the bead row, the convoy's counter) per close. Both reach the
// TownDO the same way (runInDurableObject, 500 at once); the TownDO RPC (`onBeadClosed`, as rigs call
// it) is reported too.

const SCENARIO = '8. close throughput (500 concurrent, one convoy)';
const CLOSES = 500;
const ROUNDS = 5;

it(SCENARIO, { timeout: 600_000 }, async () => {
  quietLogs();
  const { townId, stub, rigs } = await benchTown('throughput', 10);
  const rigIds = rigs.map((r) => r.id);
  const convoyOf = async () => value(await stub.createConvoy(townId, { title: 'load', beads: spreadBeads(rigIds, CLOSES / 10 + 1) }));
  const perSecond = async (run: (convoy: Awaited<ReturnType<typeof convoyOf>>) => Promise<unknown>[]) => {
    const convoy = await convoyOf();
    const started = performance.now();
    await Promise.all(run(convoy));
    return (CLOSES * 1000) / (performance.now() - started);
  };
  const inDo = <R>(fn: (storage: DurableObjectStorage) => R) => runInDurableObject(townStub(townId), (_i, state) => fn(state.storage));
  const variants = {
    raw: (c: Awaited<ReturnType<typeof convoyOf>>) =>
      c.beadIds.slice(0, CLOSES).map((beadId) =>
        inDo((storage) =>
          storage.transactionSync(() => {
            const closed = storage.sql.exec(
              "update convoy_beads set status = 'closed' where convoy_id = ? and bead_id = ? and status = 'open'",
              c.id,
              beadId,
            );
            if (closed.rowsWritten > 0) storage.sql.exec('update convoys set closed_beads = closed_beads + 1 where id = ?', c.id);
          }),
        ),
      ),
    module: (c: Awaited<ReturnType<typeof convoyOf>>) =>
      c.beadIds
        .slice(0, CLOSES)
        .map((beadId) =>
          inDo((storage) =>
            convoys.beadClosed({ db: drizzle(storage, { schema }), env, townId, now: () => new Date() }, { convoyId: c.id, beadId }),
          ),
        ),
    rpc: (c: Awaited<ReturnType<typeof convoyOf>>) => c.beadIds.slice(0, CLOSES).map((beadId) => stub.onBeadClosed(townId, c.id, beadId)),
  };
  const rates: Record<keyof typeof variants, number[]> = { raw: [], module: [], rpc: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of Object.keys(variants) as (keyof typeof variants)[]) rates[name].push(await perSecond(variants[name]));
  }
  const r = { raw: median(rates.raw), module: median(rates.module), rpc: median(rates.rpc) };
  await report([
    {
      scenario: SCENARIO,
      measure: 'raw ctx.storage.sql, the same two updates (closes/s)',
      value: fmt(r.raw, 0),
      note: `median of ${ROUNDS} rounds of ${CLOSES} at once (runInDurableObject)`,
    },
    {
      scenario: SCENARIO,
      measure: 'convoys.beadClosed (closes/s)',
      value: fmt(r.module, 0),
      note: `${fmt(r.module / r.raw)}× raw; also appends the event, logs, checks for the landing (runInDurableObject)`,
    },
    {
      scenario: SCENARIO,
      measure: 'TownDO RPC onBeadClosed (closes/s)',
      value: fmt(r.rpc, 0),
      note: `${fmt(r.rpc / r.raw)}× raw; the path a rig's report takes`,
    },
  ]);
});
