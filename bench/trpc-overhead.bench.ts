import { exports } from 'cloudflare:workers';
import { it } from 'vitest';
import { client } from '../test/helpers';
import { compareMs, fmt, report } from './report';
import { benchTown, spreadBeads, value } from './town';

// Scenario 3: what the Worker's tRPC layer (HTTP request, auth, zod validation, JSON both ways, the
// DO call, unwrap) adds to a direct RPC to the TownDO, for `convoy.get` of a 10-bead convoy.

const SCENARIO = '3. convoy.get: tRPC over HTTP vs direct DO RPC';
const TIMING = { samples: 15, batch: 40, warmup: 10 };

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
  const ms = await compareMs(
    {
      rpc: async () => value(await stub.getConvoy(townId, convoy.id)),
      http: () => api.convoy.get.query({ townId, convoyId: convoy.id }),
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
    { scenario: SCENARIO, measure: 'overhead ratio HTTP / RPC', value: `${fmt(ms.http / ms.rpc)}×` },
    { scenario: SCENARIO, measure: 'overhead per call (ms)', value: fmt(ms.http - ms.rpc, 3) },
    {
      scenario: SCENARIO,
      measure: 'of which the bare HTTP hop into the Worker (ms)',
      value: fmt(ms.hop, 3),
      note: 'GET /health, no tRPC, no DO; the rest is tRPC (auth, zod, JSON) on both ends',
    },
  ]);
});
