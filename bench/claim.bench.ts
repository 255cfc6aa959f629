import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { drizzle } from 'drizzle-orm/durable-sqlite';
import { it } from 'vitest';
import * as rigSchema from '../schema/rig';
import { claimBead } from '../server/rigs/claims';
import { closeBead } from '../server/rigs/outcomes';
import type { RigContext } from '../server/rigs/rig-context';
import { countedInRig, rigStubOf, seedRig } from '../test/rigs/rig-seed';
import { compareMs, fmt, median, report } from './report';
import { quietLogs, value } from './town';

// Scenario 17: the work loop's claim. (a) A claim's time and rows read with 100,000 claimable beads vs
// 10 (each sample claims and releases, so both rigs keep their queue). (b) 200 agents claiming and
// closing at once on one rig: every bead claimed exactly once; claims/s beside a raw
// `UPDATE … RETURNING` in the same DO making the same state change.

const SCENARIO = '17. claims (work loop)';
const CONCURRENT = 200;
const ROUNDS = 7;

it(SCENARIO, { timeout: 600_000 }, async () => {
  quietLogs();
  const small = `bench-claim-small-${crypto.randomUUID()}`;
  const large = `bench-claim-large-${crypto.randomUUID()}`;
  await seedRig(small, 10, 0, null);
  await seedRig(large, 100_000, 0, null);
  const cycle = (key: string) => async (i: number) => {
    const stub = rigStubOf(key);
    const agentId = `agent-${i}`;
    const { bead } = value(await stub.claimBead({ agentId }));
    if (!bead) throw new Error(`no bead to claim in ${key}`);
    value(await stub.releaseBead({ beadId: bead.id, agentId }));
  };
  const ms = await compareMs({ small: cycle(small), large: cycle(large) }, { samples: 11, batch: 20 });
  const rows = {
    small: await countedInRig(small, (ctx) => claimBead(ctx, { agentId: 'counted' })),
    large: await countedInRig(large, (ctx) => claimBead(ctx, { agentId: 'counted' })),
  };
  const ratio = ms.large / ms.small;
  // The worst case for rows read: beads of a convoy over all five priority levels, all long waiting (every
  // head a candidate), and the reports task already pending (a first claim scheduled it).
  const worst = `bench-claim-worst-${crypto.randomUUID()}`;
  await seedRig(worst, 50, 0, 'c', 5);
  await countedInRig(worst, (ctx) => claimBead(ctx, { agentId: 'first' }));
  const worstRows = await countedInRig(worst, (ctx) => claimBead(ctx, { agentId: 'counted' }));
  if (worstRows.rowsRead > 10) throw new Error(`a claim read ${worstRows.rowsRead} rows in the worst case (at most 10)`);

  // (b) 200 concurrent claimers, each claiming then closing (done), vs the raw statement.
  const rates = { raw: [] as number[], module: [] as number[], rpc: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const variant of ['raw', 'module', 'rpc'] as const) {
      const key = `bench-claim-${variant}-${round}-${crypto.randomUUID()}`;
      await seedRig(key, CONCURRENT, 0, null);
      const stub = rigStubOf(key);
      const started = performance.now();
      const claimed = await Promise.all(
        Array.from({ length: CONCURRENT }, async (_, i) => {
          const agentId = `agent-${i}`;
          if (variant === 'rpc') {
            const { bead } = value(await stub.claimBead({ agentId }));
            if (bead) value(await stub.closeBead({ beadId: bead.id, agentId }));
            return bead?.id ?? null;
          }
          return runInDurableObject(stub, async (_i, state) => {
            if (variant === 'raw') {
              const id = state.storage.transactionSync(
                () =>
                  state.storage.sql
                    .exec<{ id: string }>(
                      `update beads set status = 'in_progress', held_by = ?, attempt = attempt + 1 where rowid =
                         (select rowid from beads where status = 'open' and retry_at is null order by created_at, rowid limit 1) returning id`,
                      agentId,
                    )
                    .toArray()[0]?.id ?? null,
              );
              if (id) state.storage.sql.exec("update beads set status = 'closed', held_by = null where id = ?", id);
              return id;
            }
            const ctx: RigContext = {
              db: drizzle(state.storage, { schema: rigSchema }),
              env,
              now: () => new Date(),
              townId: 'town',
              rigId: 'rig',
              armAlarm: async () => {},
            };
            const { bead } = claimBead(ctx, { agentId });
            if (bead) await closeBead(ctx, { beadId: bead.id, agentId });
            return bead?.id ?? null;
          });
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      const ids = claimed.filter((id): id is string => id !== null);
      if (ids.length !== CONCURRENT || new Set(ids).size !== CONCURRENT)
        throw new Error(`${variant}: ${ids.length} claims, ${new Set(ids).size} distinct`);
      rates[variant].push(CONCURRENT / seconds);
    }
  }
  const r = { raw: median(rates.raw), module: median(rates.module), rpc: median(rates.rpc) };
  await report([
    {
      scenario: SCENARIO,
      measure: 'claim + release, 10 claimable beads (ms)',
      value: fmt(ms.small, 3),
      note: 'RigDO RPCs claimBead then releaseBead',
    },
    { scenario: SCENARIO, measure: 'claim + release, 100,000 claimable beads (ms)', value: fmt(ms.large, 3) },
    { scenario: SCENARIO, measure: 'ratio 100,000 / 10', value: `${fmt(ratio)}×`, target: '≤ 1.2×', met: ratio <= 1.2 },
    {
      scenario: SCENARIO,
      measure: 'one claim: rows read / written (10 vs 100,000)',
      value: `${rows.small.rowsRead} / ${rows.small.rowsWritten} vs ${rows.large.rowsRead} / ${rows.large.rowsWritten}`,
      target: '≤ 10 read',
      met: rows.small.rowsRead <= 10 && rows.large.rowsRead <= 10,
      note: 'written: the bead row and its index entries, the lease task',
    },
    {
      scenario: SCENARIO,
      measure: 'one claim, worst case: rows read / written',
      value: `${worstRows.rowsRead} / ${worstRows.rowsWritten}`,
      target: '≤ 10 read',
      met: worstRows.rowsRead <= 10,
      note: 'a convoy bead (its report to the town, the reports task already pending), all five priority levels holding long-waiting beads',
    },
    {
      scenario: SCENARIO,
      measure: `${CONCURRENT} concurrent claims: raw UPDATE … RETURNING (claims/s)`,
      value: fmt(r.raw, 0),
      note: 'and a raw close each; every bead claimed once',
    },
    {
      scenario: SCENARIO,
      measure: `${CONCURRENT} concurrent claims: claimBead + closeBead modules in the DO (claims/s)`,
      value: fmt(r.module, 0),
      note: 'the same path as the RPCs, without the RPC hops',
    },
    {
      scenario: SCENARIO,
      measure: 'ratio module / raw',
      value: `${fmt(r.module / r.raw)}×`,
      target: '≥ 0.5×',
      met: r.module / r.raw >= 0.5,
      note: `medians of ${ROUNDS} rounds (variants interleaved, a fresh rig each); per round: ${rates.module.map((m, i) => fmt(m / (rates.raw[i] as number))).join(', ')}`,
    },
    {
      scenario: SCENARIO,
      measure: `${CONCURRENT} concurrent claim + close over RigDO RPC (per s)`,
      value: fmt(r.rpc, 0),
      note: 'for information: each agent claims then closes done',
    },
  ]);
});
