import { env, runInDurableObject } from 'cloudflare:test';
import { drizzle } from 'drizzle-orm/durable-sqlite';
import { it } from 'vitest';
import * as schema from '../schema/town';
import { listConvoyBeads } from '../server/convoys/beads-page';
import * as convoys from '../server/convoys/convoys';
import type { TownContext } from '../server/core/context';
import { listEvents } from '../server/core/event-log';
import { listEscalations } from '../server/escalations/escalations';
import { client } from '../test/helpers';
import { compareMs, fmt, report } from './report';
import { seedConvoys, seedEscalations, seedEvents } from './seed';
import { countingStorage } from './sql-counter';
import { benchTown, quietLogs, spreadBeads, townStub, value } from './town';

// Scenario 7: a big town — 10,000 landed convoys (1,000,000 convoy beads), 100,000 escalations,
// 1,000,000 events, 200 rigs — against a fresh town with the same 200 rigs: each call in both, samples
// interleaved (compareMs). The history is made by direct inserts (bench/seed.ts) to keep it quick.
// Sub-millisecond reads are timed in batches of 20 (the Workers clock moves in whole milliseconds).

const SCENARIO = '7. big town vs fresh town';
const RIG_COUNT = 200;
const TARGET_RATIO = 1.2;

it(SCENARIO, { timeout: 1_200_000 }, async () => {
  quietLogs();
  const api = client();
  const big = await benchTown('big', RIG_COUNT);
  const fresh = await benchTown('fresh', RIG_COUNT);
  const seeded = performance.now();
  await runInDurableObject(townStub(big.townId), (_i, state) => {
    const rigIds = big.rigs.map((r) => r.id);
    seedConvoys(state.storage, { convoys: 10_000, beadsPerConvoy: 100, rigIds, daysAgo: 5, prefix: 'seed-' });
    seedEscalations(state.storage, 100_000, rigIds);
    seedEvents(state.storage, 1_000_000);
  });
  const seedMs = performance.now() - seeded;
  // The fresh town gets just enough history that every page read is a full page (50) in both towns.
  await runInDurableObject(townStub(fresh.townId), (_i, state) => {
    const rigIds = fresh.rigs.map((r) => r.id);
    seedConvoys(state.storage, { convoys: 60, beadsPerConvoy: 100, rigIds, daysAgo: 5, prefix: 'seed-' });
    seedEscalations(state.storage, 60, rigIds);
    seedEvents(state.storage, 60);
  });

  const towns = { big, fresh };
  const setup = async ({ townId, stub, rigs }: typeof big) => {
    const rigIds = rigs.slice(0, 10).map((r) => r.id);
    const hundred = value(await stub.createConvoy(townId, { title: 'read me', beads: spreadBeads(rigIds, 10) }));
    const closable: { convoyId: string; beadId: string }[] = [];
    for (let i = 0; i < 12; i++) {
      const convoy = value(await stub.createConvoy(townId, { title: 'close me', beads: spreadBeads(rigIds, 1) }));
      closable.push(...convoy.beadIds.slice(0, 9).map((beadId) => ({ convoyId: convoy.id, beadId })));
    }
    value(await stub.raiseEscalation(townId, { sourceRigId: rigIds[0] ?? '', severity: 'low', message: 'fresh' }));
    return { hundred, closable, rigIds };
  };
  const state = { big: await setup(big), fresh: await setup(fresh) };

  const calls: Record<string, (town: 'big' | 'fresh') => Promise<unknown>> = {
    close: async (t) => {
      const bead = state[t].closable.pop();
      if (!bead) throw new Error('out of beads to close');
      const summary = value(await towns[t].stub.onBeadClosed(towns[t].townId, bead.convoyId, bead.beadId));
      if (summary.status !== 'active') throw new Error('a timed close landed its convoy');
    },
    'create (10 beads)': async (t) =>
      value(await towns[t].stub.createConvoy(towns[t].townId, { title: 'c', beads: spreadBeads(state[t].rigIds, 1) })),
    'convoy.list': async (t) => value(await towns[t].stub.listConvoys(towns[t].townId, { limit: 50 })),
    'convoy.get (100-bead convoy)': async (t) => value(await towns[t].stub.getConvoy(towns[t].townId, state[t].hundred.id)),
    'convoy.beads (page of 50 of 100)': async (t) =>
      value(await towns[t].stub.listConvoyBeads(towns[t].townId, { convoyId: state[t].hundred.id, limit: 50 })),
    'escalation.list': async (t) => value(await towns[t].stub.listEscalations(towns[t].townId, { limit: 50 })),
    'event.list': async (t) => value(await towns[t].stub.listEvents(towns[t].townId, { limit: 50 })),
    'mayor.briefing (HTTP)': (t) => api.mayor.briefing.query({ townId: towns[t].townId }),
    'heartbeat (200 rigs)': async (t) => value(await towns[t].stub.watchdogHeartbeat(towns[t].townId)),
  };
  const rows = [];
  for (const [name, call] of Object.entries(calls)) {
    const slow = name.startsWith('heartbeat') || name.startsWith('mayor');
    const opts =
      name === 'close'
        ? { samples: 5, batch: 8, warmup: 1 }
        : slow
          ? { samples: 5, batch: 1, warmup: 1 }
          : { samples: 9, batch: 20, warmup: 5 };
    const ms = await compareMs({ big: () => call('big'), fresh: () => call('fresh') }, opts);
    const ratio = ms.big / ms.fresh;
    rows.push({
      scenario: SCENARIO,
      measure: `${name}: big / fresh (ms)`,
      value: `${fmt(ms.big, 2)} / ${fmt(ms.fresh, 2)} = ${fmt(ratio)}×`,
      target: `≤ ${TARGET_RATIO}×`,
      met: ratio <= TARGET_RATIO,
    });
  }
  // Rows SQLite read for one page read, by the plain functions on each town's real database: a page
  // costs the same in a town with a long history (the keyset pages walk an index from one end).
  const reads: Record<string, (c: TownContext, hundred: string) => unknown> = {
    'convoy.list': (c) => convoys.listConvoys(c, { limit: 50 }),
    'convoy.beads': (c, hundred) => listConvoyBeads(c, { convoyId: hundred, limit: 50 }),
    'escalation.list': (c) => listEscalations(c, { limit: 50 }),
    'event.list': (c) => listEvents(c, { limit: 50 }),
  };
  const rowsRead = (t: 'big' | 'fresh', read: (c: TownContext, hundred: string) => unknown) =>
    runInDurableObject(townStub(towns[t].townId), (_instance, durable) => {
      const counter = countingStorage(durable.storage);
      const db = drizzle(counter.storage, { schema });
      read({ db, env, townId: towns[t].townId, now: () => new Date() }, state[t].hundred.id);
      return counter.take().rowsRead;
    });
  for (const [name, read] of Object.entries(reads)) {
    const big = await rowsRead('big', read);
    const fresh = await rowsRead('fresh', read);
    rows.push({
      scenario: SCENARIO,
      measure: `${name}: rows read, big / fresh`,
      value: `${big} / ${fresh}`,
      target: 'equal',
      met: big === fresh,
    });
  }
  rows.push({
    scenario: SCENARIO,
    measure: 'seeding the big town (ms)',
    value: fmt(seedMs, 0),
    note: 'direct inserts: 10,000 convoys + 1,000,000 convoy beads, 100,000 escalations, 1,000,000 events; both towns have 200 registered rigs, and the fresh one 60 convoys, 60 escalations and 60 events so every page read is full in both',
  });
  await report(rows);
});
