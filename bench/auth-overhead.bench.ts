import { runInDurableObject } from 'cloudflare:test';
import { drizzle } from 'drizzle-orm/durable-sqlite';
import { it } from 'vitest';
import * as schema from '../schema/town';
import { tokenIsLive } from '../server/auth/tokens';
import { client } from '../test/helpers';
import { compareMs, fmt, report } from './report';
import { countingStorage } from './sql-counter';
import { benchTown, quietLogs, spreadBeads, value } from './town';

// Scenario 12: what scoped-token auth adds per call, for `convoy.get` of a 10-bead convoy: the admin
// token (a SHA-256 comparison) against a `town` and a `rig` token (HS256 JWT verified with jose in the
// Worker, then the revocation check inside the TownDO call the procedure already makes: no extra
// round trip). Also inside the DO alone: the same RPC with and without the token id to check.

const SCENARIO = '12. auth per call: convoy.get with admin / town / rig tokens';
// More samples than the other scenarios: the differences measured here are small against the noise.
const TIMING = { samples: 31, batch: 40, warmup: 10 };

it(SCENARIO, async () => {
  quietLogs();
  const admin = client();
  const { townId, stub, rigs } = await benchTown('auth', 10);
  const convoy = value(
    await stub.createConvoy(townId, {
      title: 'ten',
      beads: spreadBeads(
        rigs.map((r) => r.id),
        1,
      ),
    }),
  );
  const rigId = rigs[0]?.id ?? '';
  const townToken = await admin.auth.issueToken.mutate({ townId, role: 'town', ttlSeconds: 3600 });
  const rigToken = await admin.auth.issueToken.mutate({ townId, role: 'rig', rigId, ttlSeconds: 3600 });
  const asTown = client(townToken.token);
  const asRig = client(rigToken.token);
  const get = { townId, convoyId: convoy.id };
  // Each must work, or the timing would be of refusals.
  for (const api of [admin, asTown, asRig]) if ((await api.convoy.get.query(get)).id !== convoy.id) throw new Error('convoy.get failed');
  const ms = await compareMs(
    {
      admin: () => admin.convoy.get.query(get),
      town: () => asTown.convoy.get.query(get),
      rig: () => asRig.convoy.get.query(get),
      rpcBare: async () => value(await stub.getConvoy(townId, convoy.id)),
      rpcChecked: async () =>
        value(
          await stub.getConvoy(
            { townId, tokenId: rigToken.tokenId, role: 'rig', rigId, exp: Date.parse(rigToken.expiresAt) / 1000 },
            convoy.id,
          ),
        ),
    },
    TIMING,
  );
  // The revocation check's own cost inside the DO, in rows: deterministic where the timing is noisy.
  const check = await runInDurableObject(stub, (_instance, state) => {
    const counter = countingStorage(state.storage);
    const live = tokenIsLive(drizzle(counter.storage, { schema }), townId, {
      townId,
      tokenId: rigToken.tokenId,
      role: 'rig',
      rigId,
      exp: 0,
    });
    if (!live) throw new Error('the rig token should be live');
    return counter.take();
  });
  await report([
    {
      scenario: SCENARIO,
      measure: 'admin token, tRPC over HTTP (ms)',
      value: fmt(ms.admin, 3),
      note: 'the baseline: constant-time SHA-256 comparison',
    },
    { scenario: SCENARIO, measure: 'town token (ms)', value: fmt(ms.town, 3), note: `${fmt(ms.town / ms.admin)}× admin` },
    { scenario: SCENARIO, measure: 'rig token (ms)', value: fmt(ms.rig, 3), note: `${fmt(ms.rig / ms.admin)}× admin` },
    {
      scenario: SCENARIO,
      measure: 'auth added per call by a scoped token (ms)',
      value: fmt(ms.rig - ms.admin, 3),
      note: 'JWT verify (HS256, key imported once per isolate) + the access rule; no extra DO round trip',
    },
    { scenario: SCENARIO, measure: 'TownDO RPC getConvoy, bare town id (ms)', value: fmt(ms.rpcBare, 3) },
    {
      scenario: SCENARIO,
      measure: 'TownDO RPC getConvoy with the revocation check (ms)',
      value: fmt(ms.rpcChecked, 3),
      note: `${fmt(ms.rpcChecked / ms.rpcBare)}× bare: one primary-key read of auth_tokens in the same call`,
    },
    { scenario: SCENARIO, measure: 'revocation check: SQLite rows read / written', value: `${check.rowsRead} / ${check.rowsWritten}` },
  ]);
});
