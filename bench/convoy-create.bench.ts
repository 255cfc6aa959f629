import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { drizzle } from 'drizzle-orm/durable-sqlite';
import { it } from 'vitest';
import * as schema from '../schema/town';
import * as convoys from '../server/convoys/convoys';
import { client } from '../test/helpers';
import { compareMs, fmt, report } from './report';
import { countingStorage } from './sql-counter';
import { benchTown, quietLogs, spreadBeads, townStub, value } from './town';

// Scenario 1: creating a convoy of 1,000 beads over 10 rigs, against the least work that stores the same
// rows in the TownDO and hands each rig its beads.

const RIG_COUNT = 10;
const BEADS_PER_RIG = 100;
const TARGET_RATIO = 1.5;
const SCENARIO = '1. convoy.create (1,000 beads, 10 rigs)';

it(SCENARIO, async () => {
  quietLogs();
  const api = client();
  const { townId, stub, rigs } = await benchTown('create', RIG_COUNT);
  const beads = spreadBeads(
    rigs.map((r) => r.id),
    BEADS_PER_RIG,
  );

  /**
   * The baseline: inside the TownDO, the convoy row, its 1,000 bead rows and one delivery task row
   * per rig inserted with raw `ctx.storage.sql` in one `transactionSync`; then one `receiveBeads`
   * RPC per rig (in parallel) with that rig's beads.
   */
  const rawCreate = async (storage: DurableObjectStorage) => {
    const convoyId = crypto.randomUUID();
    const now = new Date();
    const rows = beads.map((b, position) => ({ ...b, id: crypto.randomUUID(), position }));
    const { sql } = storage;
    storage.transactionSync(() => {
      sql.exec(
        'insert into convoys (id, title, total_beads, created_at) values (?, ?, ?, ?)',
        convoyId,
        'bench',
        rows.length,
        now.toISOString(),
      );
      for (const r of rows) {
        sql.exec(
          'insert into convoy_beads (convoy_id, bead_id, rig_id, title, body, position) values (?, ?, ?, ?, ?, ?)',
          convoyId,
          r.id,
          r.rigId,
          r.title,
          null,
          r.position,
        );
      }
      for (const rig of rigs) {
        sql.exec(
          'insert into schedule (id, kind, payload, due_at) values (?, ?, ?, ?)',
          `raw:${convoyId}:${rig.id}`,
          'bench.raw',
          JSON.stringify({ convoyId, rigId: rig.id }),
          now.getTime() + 3_600_000,
        );
      }
    });
    await Promise.all(
      rigs.map((rig) =>
        env.RIG.get(env.RIG.idFromString(rig.rigDoId)).receiveBeads(
          townId,
          convoyId,
          rows.filter((r) => r.rigId === rig.id).map((r) => ({ id: r.id, title: r.title, body: null })),
        ),
      ),
    );
  };
  const raw = () => runInDurableObject(townStub(townId), (_instance, state) => rawCreate(state.storage));

  // SQLite rows each side makes the TownDO read and write (the plain createConvoy, as the RPC runs it).
  const rows = await runInDurableObject(townStub(townId), async (_instance, state) => {
    const counter = countingStorage(state.storage);
    await rawCreate(counter.storage);
    const rawRows = counter.take();
    const db = drizzle(counter.storage, { schema });
    await convoys.createConvoy({ db, env, townId, now: () => new Date(), armAlarm: async () => {} }, { title: 'bench', beads });
    return { raw: rawRows, create: counter.take() };
  });

  const opts = { samples: 9, batch: 1, warmup: 2 };
  const ms = await compareMs(
    {
      raw,
      rpc: async () => {
        const convoy = value(await stub.createConvoy(townId, { title: 'bench', beads }));
        if (convoy.beadIds.length !== beads.length) throw new Error('create lost beads');
      },
      http: () => api.convoy.create.mutate({ townId, title: 'bench', beads }),
    },
    opts,
  );
  const ratio = ms.rpc / ms.raw;
  await report([
    {
      scenario: SCENARIO,
      measure: 'raw baseline (ms)',
      value: fmt(ms.raw, 1),
      note: 'raw SQL in one transactionSync + 10 parallel receiveBeads RPCs',
    },
    { scenario: SCENARIO, measure: 'TownDO RPC createConvoy (ms)', value: fmt(ms.rpc, 1) },
    {
      scenario: SCENARIO,
      measure: 'ratio RPC / raw',
      value: `${fmt(ratio)}×`,
      target: `≤ ${TARGET_RATIO}×`,
      met: ratio <= TARGET_RATIO,
      note: `${ratio <= TARGET_RATIO ? '' : 'missed: '}beyond the raw rows, create schedules and finishes one delivery task per rig (a watermark row each) and reads back the 1,000-bead convoy it returns (rows below)`,
    },
    { scenario: SCENARIO, measure: 'tRPC over HTTP (ms)', value: fmt(ms.http, 1), note: `for information: ${fmt(ms.http / ms.raw)}× raw` },
    {
      scenario: SCENARIO,
      measure: 'TownDO SQLite rows read / written: raw',
      value: `${rows.raw.rowsRead} / ${rows.raw.rowsWritten}`,
      note: `${rows.raw.statements} statements`,
    },
    {
      scenario: SCENARIO,
      measure: 'TownDO SQLite rows read / written: createConvoy',
      value: `${rows.create.rowsRead} / ${rows.create.rowsWritten}`,
      note: `${rows.create.statements} statements; also schedules and finishes the per-rig tasks, records each rig's delivery watermark, reads the convoy back`,
    },
  ]);
});
