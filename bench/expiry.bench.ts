import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { drizzle } from 'drizzle-orm/durable-sqlite';
import { it } from 'vitest';
import * as rigSchema from '../schema/rig';
import * as townSchema from '../schema/town';
import { STRANDED_TASK_KIND, scheduleStrandedCheck, strandedTask } from '../server/convoys/progress';
import type { TownContext } from '../server/core/context';
import { runDueTasks, type TaskHandler } from '../server/core/scheduler';
import { HOUR_MS } from '../server/core/time';
import { DEFAULT_LOOP_SETTINGS, type LoopSettings } from '../server/rigs/breaker';
import { claimBead, LEASE_TASK_KIND } from '../server/rigs/claims';
import { leaseTask } from '../server/rigs/outcomes';
import { TOWN_REPORTS_TASK_KIND } from '../server/rigs/reports';
import type { RigContext } from '../server/rigs/rig-context';
import { rigStubOf, seedRig } from '../test/rigs/rig-seed';
import { compareMs, fmt, report } from './report';
import { seedConvoys } from './seed';
import { countingStorage } from './sql-counter';
import { quietLogs, townStub } from './town';

// Scenario 20: what expires costs O(what expired), never a scan of all beads. (a) The alarm expiring k
// leases (each a failed attempt: the bead back to the queue after its backoff, its lease task gone, a
// report for the town) in a rig of 10 beads vs 100,000. (b) A convoy's stranded check (the scheduler's
// due task: re-armed when there was progress, the escalation raised when not) in a town of 11 active
// convoys vs 10,000 landed convoys of 100,000 beads plus 1,000 active ones whose checks are not due.

const SCENARIO = '20. lease expiry and stranded checks';
const K = 8;
// Leases and attempts that never end a bead or open the breaker: every round expires K fresh leases.
const SETTINGS: LoopSettings = { ...DEFAULT_LOOP_SETTINGS, breakerFailures: 1_000_000 };

/** Each rig's own clock, an hour on per round (past every lease and backoff), so rounds can repeat. */
const clocks = new Map<string, number>();

/** Claims K beads with a 60 s lease at the rig's clock, moves it an hour on, and runs the due tasks (counted). */
function expireRound(key: string) {
  return runInDurableObject(rigStubOf(key), async (_i, state) => {
    const at = (clocks.get(key) ?? Date.now()) + HOUR_MS;
    clocks.set(key, at);
    let now = at;
    const counter = countingStorage(state.storage);
    const ctx: RigContext = {
      db: drizzle(counter.storage, { schema: rigSchema }),
      env,
      now: () => new Date(now),
      townId: key,
      rigId: 'rig',
      armAlarm: async () => {},
    };
    for (let i = 0; i < K; i++) {
      const { bead } = claimBead(ctx, { agentId: `agent-${i}`, leaseSeconds: 60, settings: SETTINGS });
      if (!bead) throw new Error(`${key}: nothing to claim`);
    }
    counter.take();
    now = at + 2 * 60_000;
    const handlers: Record<string, TaskHandler> = {
      [LEASE_TASK_KIND]: (task) => leaseTask(ctx, task.payload as { beadId: string }),
      // The reports stay in the rig (no town here): only their rows are written, as in production.
      [TOWN_REPORTS_TASK_KIND]: () => undefined,
    };
    const ran = await runDueTasks(ctx.db, now, handlers);
    const rows = counter.take();
    const held = state.storage.sql.exec("select count(*) as n from beads where status = 'in_progress'").one().n;
    if (held !== 0) throw new Error(`${key}: ${held} leases left after the expiry run`);
    return { ...rows, ran };
  });
}

async function seedExpiryRig(beads: number) {
  const key = `bench-expiry-${beads}-${crypto.randomUUID()}`;
  await seedRig(key, beads, 0, 'c');
  await runInDurableObject(rigStubOf(key), (_i, state) => {
    state.storage.sql.exec('update beads set max_attempts = 1000000');
  });
  return key;
}

/** A town of `landed` landed convoys (10 beads each) and `active` active ones with checks due in a day, plus the watched convoy. */
async function seedStrandedTown(landed: number, active: number) {
  const townId = `bench-stranded-${landed}-${crypto.randomUUID().slice(0, 8)}`;
  await runInDurableObject(townStub(townId), (_i, state) => {
    const db = drizzle(state.storage, { schema: townSchema });
    const ctx: TownContext = { db, env, townId, now: () => new Date() };
    if (landed > 0)
      seedConvoys(state.storage, { convoys: landed, beadsPerConvoy: 10, rigIds: ['rig-a', 'rig-b'], daysAgo: 2, prefix: 'landed-' });
    const created = new Date(Date.now() - 2 * HOUR_MS).toISOString();
    for (const [i, id] of [...Array.from({ length: active }, (_, i) => `active-${i}`), 'watched'].entries()) {
      state.storage.sql.exec(
        "insert into convoys (id, title, status, total_beads, created_at, last_progress_at) values (?, ?, 'active', 10, ?, ?)",
        id,
        `convoy ${i}`,
        created,
        created,
      );
      // The others' checks come due in a day; the watched convoy's is due now.
      scheduleStrandedCheck(ctx, id, id === 'watched' ? Date.parse(created) - 60 * 60_000 : Date.now() + 24 * HOUR_MS);
    }
    // Only the stranded checks: the town's own periodic tasks are not what is measured.
    state.storage.sql.exec("delete from schedule where kind != 'stranded.check'");
  });
  return townId;
}

/**
 * The watched convoy's stranded check made due now and the town's due tasks run, counted: re-armed when
 * its last progress is 30 min old (`progressed`), the escalation raised when it is 2 h old.
 */
function strandedRun(townId: string, progressed: boolean) {
  return runInDurableObject(townStub(townId), async (_i, state) => {
    const now = Date.now();
    const sql = state.storage.sql;
    sql.exec("delete from schedule where kind != 'stranded.check'");
    sql.exec(
      "update convoys set last_progress_at = ? where id = 'watched'",
      new Date(now - (progressed ? 30 : 120) * 60_000).toISOString(),
    );
    sql.exec(
      `insert into schedule (id, kind, payload, due_at) values ('stranded:watched', ?, '{"convoyId":"watched"}', ?)
       on conflict (id) do update set due_at = excluded.due_at`,
      STRANDED_TASK_KIND,
      now - 1,
    );
    const counter = countingStorage(state.storage);
    const ctx: TownContext = { db: drizzle(counter.storage, { schema: townSchema }), env, townId, now: () => new Date(now) };
    const ran = await runDueTasks(ctx.db, now, { [STRANDED_TASK_KIND]: (task) => strandedTask(ctx, task) });
    const rows = counter.take();
    if (ran !== 1) throw new Error(`${townId}: ${ran} tasks due, expected the watched convoy's check only`);
    const raised = sql.exec("select count(*) as n from escalations where dedup_key = 'convoy-stranded:watched'").one().n;
    if (raised !== (progressed ? 0 : 1))
      throw new Error(`${townId}: ${raised} stranded escalations after a ${progressed ? 're-arm' : 'raise'}`);
    return rows;
  });
}

it(SCENARIO, { timeout: 600_000 }, async () => {
  quietLogs();
  // (a) lease expiry
  const small = await seedExpiryRig(10);
  const large = await seedExpiryRig(100_000);
  const expiryRows = { small: await expireRound(small), large: await expireRound(large) };
  // K lease tasks and the one reports task.
  for (const r of Object.values(expiryRows))
    if (r.ran !== K + 1) throw new Error(`${r.ran} tasks ran, expected ${K} leases and the reports`);
  const expiryMs = await compareMs({ small: () => expireRound(small), large: () => expireRound(large) }, { samples: 21, batch: 5 });

  // (b) stranded checks
  const few = await seedStrandedTown(0, 10);
  const many = await seedStrandedTown(10_000, 1_000);
  const rearm = { few: await strandedRun(few, true), many: await strandedRun(many, true) };
  const strandedMs = await compareMs(
    { few: () => strandedRun(few, true), many: () => strandedRun(many, true) },
    { samples: 21, batch: 10 },
  );
  const raise = { few: await strandedRun(few, false), many: await strandedRun(many, false) };

  const rowsOf = (r: { rowsRead: number; rowsWritten: number }) => `${r.rowsRead} / ${r.rowsWritten}`;
  const same = (a: { rowsRead: number; rowsWritten: number }, b: { rowsRead: number; rowsWritten: number }) =>
    a.rowsRead === b.rowsRead && a.rowsWritten === b.rowsWritten;
  const expiryRatio = expiryMs.large / expiryMs.small;
  const strandedRatio = strandedMs.many / strandedMs.few;
  await report([
    {
      scenario: SCENARIO,
      measure: `claim ${K} + expire ${K} leases, rig of 10 beads (ms)`,
      value: fmt(expiryMs.small, 3),
      note: 'one round in the RigDO: K claims (60 s lease), then the alarm run an hour on',
    },
    { scenario: SCENARIO, measure: `claim ${K} + expire ${K} leases, rig of 100,000 beads (ms)`, value: fmt(expiryMs.large, 3) },
    { scenario: SCENARIO, measure: 'ratio 100,000 / 10', value: `${fmt(expiryRatio)}×`, target: '≤ 1.2×', met: expiryRatio <= 1.2 },
    {
      scenario: SCENARIO,
      measure: `the expiry run of ${K} leases: rows read / written (10 vs 100,000)`,
      value: `${rowsOf(expiryRows.small)} vs ${rowsOf(expiryRows.large)}`,
      target: 'equal',
      met: same(expiryRows.small, expiryRows.large),
      note: 'per lease: its task, the bead row and its index entries, a report row',
    },
    {
      scenario: SCENARIO,
      measure: 'stranded check re-armed (progress since), 11 active convoys (ms)',
      value: fmt(strandedMs.few, 3),
      note: 'runDueTasks in the TownDO with one check due, the others due in a day',
    },
    { scenario: SCENARIO, measure: 'stranded check re-armed, 11,001 convoys / 100,000 beads (ms)', value: fmt(strandedMs.many, 3) },
    { scenario: SCENARIO, measure: 'ratio many / few', value: `${fmt(strandedRatio)}×`, target: '≤ 1.2×', met: strandedRatio <= 1.2 },
    {
      scenario: SCENARIO,
      measure: 'stranded check: rows read / written, re-armed (few vs many)',
      value: `${rowsOf(rearm.few)} vs ${rowsOf(rearm.many)}`,
      target: 'equal',
      met: same(rearm.few, rearm.many),
    },
    {
      scenario: SCENARIO,
      measure: 'stranded check: rows read / written, raised (few vs many)',
      value: `${rowsOf(raise.few)} vs ${rowsOf(raise.many)}`,
      target: 'equal',
      met: same(raise.few, raise.many),
      note: 'the escalation, its event and notifications',
    },
  ]);
});
