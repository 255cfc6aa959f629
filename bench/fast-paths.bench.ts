import { exports } from 'cloudflare:workers';
import { it } from 'vitest';
import { client } from '../test/helpers';
import { compareMs, fmt, median, report } from './report';
import { benchTown, quietLogs, spreadBeads, value } from './town';

// Scenario 15 (issue 25, fast paths): each target a ratio within one run, its variants interleaved.
// - a 10-bead `convoy.create` over 10 rigs vs over 1 rig, over HTTP;
// - `convoy.get` through the Worker (tRPC over HTTP) vs a direct TownDO RPC;
// - 200 concurrent `convoy.beadClosed` (and `rig.closeBead`) over HTTP vs 200 concurrent `GET /health`.
// "Over HTTP" is the Worker's fetch (`exports.default.fetch`) in this workerd, as in scenario 3.

const SCENARIO = '15. fast paths (issue 25)';
const TARGET_CREATE = 1.3;
const TARGET_GET = 2.5;
const TARGET_CLOSES = 0.6;
const CONCURRENT = 200;
const CLOSE_ROUNDS = 7;
const RIG_COUNT = 10;

const hop = async () => (await exports.default.fetch(new Request('http://town.test/health'))).json();

it(`${SCENARIO}: create over 10 rigs vs 1 rig`, async () => {
  quietLogs();
  const api = client();
  const { townId, rigs } = await benchTown('fast-create', RIG_COUNT);
  const overTen = spreadBeads(
    rigs.map((r) => r.id),
    1,
  );
  const overOne = spreadBeads([rigs[0]?.id ?? ''], RIG_COUNT);
  const ms = await compareMs(
    {
      one: () => api.convoy.create.mutate({ townId, title: 'one rig', beads: overOne }),
      ten: () => api.convoy.create.mutate({ townId, title: 'ten rigs', beads: overTen }),
    },
    { samples: 9, batch: 10, warmup: 5 },
  );
  const ratio = ms.ten / ms.one;
  await report([
    { scenario: SCENARIO, measure: 'convoy.create, 10 beads over 1 rig, HTTP (ms)', value: fmt(ms.one) },
    { scenario: SCENARIO, measure: 'convoy.create, 10 beads over 10 rigs, HTTP (ms)', value: fmt(ms.ten) },
    {
      scenario: SCENARIO,
      measure: 'create ratio 10 rigs / 1 rig',
      value: `${fmt(ratio)}×`,
      target: `≤ ${TARGET_CREATE}×`,
      met: ratio <= TARGET_CREATE,
      note: '9 interleaved samples of 10 sequential creates each',
    },
  ]);
});

it(`${SCENARIO}: convoy.get over HTTP vs RPC`, async () => {
  const api = client();
  const { townId, stub, rigs } = await benchTown('fast-get', RIG_COUNT);
  const beads = spreadBeads(
    rigs.map((r) => r.id),
    1,
  );
  const convoy = value(await stub.createConvoy(townId, { title: 'ten', beads }));
  const input = encodeURIComponent(JSON.stringify({ townId, convoyId: convoy.id }));
  const ms = await compareMs(
    {
      rpc: async () => value(await stub.getConvoy(townId, convoy.id)),
      // What the Worker adds: one plain tRPC GET, as curl or any HTTP client sends it.
      http: async () => {
        const res = await exports.default.fetch(
          new Request(`http://town.test/trpc/convoy.get?input=${input}`, { headers: { authorization: 'Bearer dev-token' } }),
        );
        if (!res.ok) throw new Error(`convoy.get answered ${res.status}`);
        return res.json();
      },
      // The typed client on top (its links and batching run in this same isolate).
      client: () => api.convoy.get.query({ townId, convoyId: convoy.id }),
      hop,
    },
    { samples: 15, batch: 40, warmup: 10 },
  );
  const ratio = ms.http / ms.rpc;
  await report([
    { scenario: SCENARIO, measure: 'convoy.get, direct TownDO RPC (ms)', value: fmt(ms.rpc, 3) },
    { scenario: SCENARIO, measure: 'convoy.get, tRPC GET over HTTP through the Worker (ms)', value: fmt(ms.http, 3) },
    {
      scenario: SCENARIO,
      measure: 'Worker overhead ratio HTTP / RPC',
      value: `${fmt(ratio)}×`,
      target: `≤ ${TARGET_GET}×`,
      met: ratio <= TARGET_GET,
      note: `bare hop GET /health ${fmt(ms.hop, 3)} ms`,
    },
    {
      scenario: SCENARIO,
      measure: 'convoy.get through the typed client (ms)',
      value: fmt(ms.client, 3),
      note: `${fmt(ms.client / ms.rpc)}× RPC; for information: adds the client's links (httpBatchLink) in the same isolate`,
    },
  ]);
});

it(`${SCENARIO}: 200 concurrent closes vs 200 concurrent GET /health`, { timeout: 600_000 }, async () => {
  quietLogs();
  const api = client();
  const { townId, stub, rigs } = await benchTown('fast-close', RIG_COUNT);
  const rigIds = rigs.map((r) => r.id);
  const openConvoy = async () =>
    value(await stub.createConvoy(townId, { title: 'load', beads: spreadBeads(rigIds, CONCURRENT / RIG_COUNT + 1) }));
  type Convoy = Awaited<ReturnType<typeof openConvoy>>;
  const variants: Record<'health' | 'beadClosed' | 'closeBead', (c: Convoy) => Promise<unknown>[]> = {
    health: () => Array.from({ length: CONCURRENT }, hop),
    beadClosed: (c) => c.beadIds.slice(0, CONCURRENT).map((beadId) => api.convoy.beadClosed.mutate({ townId, convoyId: c.id, beadId })),
    // spreadBeads puts CONCURRENT / RIG_COUNT + 1 beads on each rig in turn.
    closeBead: (c) =>
      c.beadIds
        .slice(0, CONCURRENT)
        .map((beadId, i) =>
          api.rig.closeBead.mutate({ townId, rigId: rigIds[Math.floor(i / (CONCURRENT / RIG_COUNT + 1))] ?? '', beadId }),
        ),
  };
  const names = Object.keys(variants) as (keyof typeof variants)[];
  const rates = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<keyof typeof variants, number[]>;
  for (let round = -1; round < CLOSE_ROUNDS; round++) {
    for (let v = 0; v < names.length; v++) {
      const name = names[(Math.max(round, 0) + v) % names.length] as keyof typeof variants;
      const convoy = name === 'health' ? (null as unknown as Convoy) : await openConvoy();
      const started = performance.now();
      await Promise.all(variants[name](convoy));
      if (round >= 0) rates[name].push((CONCURRENT * 1000) / (performance.now() - started));
    }
  }
  const r = { health: median(rates.health), beadClosed: median(rates.beadClosed), closeBead: median(rates.closeBead) };
  await report([
    {
      scenario: SCENARIO,
      measure: '200 concurrent GET /health (calls/s)',
      value: fmt(r.health, 0),
      note: `median of ${CLOSE_ROUNDS} rounds`,
    },
    { scenario: SCENARIO, measure: '200 concurrent convoy.beadClosed over HTTP (closes/s)', value: fmt(r.beadClosed, 0) },
    {
      scenario: SCENARIO,
      measure: 'ratio beadClosed / GET /health',
      value: `${fmt(r.beadClosed / r.health)}×`,
      target: `≥ ${TARGET_CLOSES}×`,
      met: r.beadClosed / r.health >= TARGET_CLOSES,
    },
    { scenario: SCENARIO, measure: '200 concurrent rig.closeBead over HTTP (closes/s)', value: fmt(r.closeBead, 0) },
    {
      scenario: SCENARIO,
      measure: 'ratio rig.closeBead / GET /health',
      value: `${fmt(r.closeBead / r.health)}×`,
      target: `≥ ${TARGET_CLOSES}×`,
      met: r.closeBead / r.health >= TARGET_CLOSES,
      note: 'today two DO calls before the answer (getRig on the TownDO, closeBead on the RigDO) and the RigDO → TownDO notice; issue 24 is changing this path',
    },
  ]);
});
