import { exports } from 'cloudflare:workers';
import { it } from 'vitest';
import { client } from '../test/helpers';
import { compareMs, fmt, report } from './report';
import { benchTown, spreadBeads, value } from './town';

// Scenario 3: what the Worker's tRPC layer (HTTP request, auth, zod validation, JSON both ways, the
// DO call, unwrap) adds to a direct RPC to the TownDO, for `convoy.get` of a 10-bead convoy.

const SCENARIO = '3. convoy.get: tRPC over HTTP vs direct DO RPC';
const TIMING = { samples: 15, batch: 40, warmup: 10 };
const TARGET_GET = 2.5; // issue 25: what the Worker adds, tRPC GET over HTTP / direct RPC

it(SCENARIO, async () => {
  const api = client();
  const { townId, stub, rigs } = await benchTown('get', 10);
  const convoy = value(
    await stub.createConvoy(townId, {
      title: 'ten',
      beads: spreadBeads(
        rigs.map((r) => r.id),
        1,
      ),
    }),
  );
  const input = encodeURIComponent(JSON.stringify({ townId, convoyId: convoy.id }));
  const ms = await compareMs(
    {
      rpc: async () => value(await stub.getConvoy(townId, convoy.id)),
      http: () => api.convoy.get.query({ townId, convoyId: convoy.id }),
      // The Worker alone: one plain tRPC GET as curl or any HTTP client sends it, without the typed client's links.
      get: async () => {
        const res = await exports.default.fetch(
          new Request(`http://town.test/trpc/convoy.get?input=${input}`, { headers: { authorization: 'Bearer dev-token' } }),
        );
        if (!res.ok) throw new Error(`convoy.get answered ${res.status}`);
        return res.json();
      },
      // The bare HTTP hop into the Worker, without tRPC or the DO: to tell the hop from the tRPC layer.
      hop: async () => (await exports.default.fetch(new Request('http://town.test/health'))).json(),
    },
    TIMING,
  );
  await report([
    { scenario: SCENARIO, measure: 'direct TownDO RPC getConvoy (ms)', value: fmt(ms.rpc, 3), note: 'the baseline' },
    {
      scenario: SCENARIO,
      measure: 'tRPC over HTTP through the Worker (ms)',
      value: fmt(ms.http, 3),
      note: 'typed client → exports.default.fetch → auth, zod, TownDO RPC, JSON',
    },
    { scenario: SCENARIO, measure: 'overhead ratio HTTP / RPC', value: `${fmt(ms.http / ms.rpc)}×`, note: 'through the typed client' },
    {
      scenario: SCENARIO,
      measure: 'plain tRPC GET over HTTP through the Worker (ms)',
      value: fmt(ms.get, 3),
      note: 'no typed client: what the Worker adds (auth, zod, tRPC, JSON) to the RPC',
    },
    {
      scenario: SCENARIO,
      measure: 'Worker overhead ratio: plain GET / RPC',
      value: `${fmt(ms.get / ms.rpc)}×`,
      target: `≤ ${TARGET_GET}×`,
      met: ms.get / ms.rpc <= TARGET_GET,
      note: `the typed client adds ${fmt(ms.http - ms.get, 3)} ms on top, in the same isolate (its links, batching and parsing)`,
    },
    { scenario: SCENARIO, measure: 'overhead per call (ms)', value: fmt(ms.http - ms.rpc, 3) },
    {
      scenario: SCENARIO,
      measure: 'of which the bare HTTP hop into the Worker (ms)',
      value: fmt(ms.hop, 3),
      note: 'GET /health, no tRPC, no DO; the rest is tRPC (auth, zod, JSON) on both ends',
    },
  ]);
});
