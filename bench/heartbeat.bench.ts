import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { it } from 'vitest';
import { withTimeout } from '../server/core/timeout';
import { rigStub } from '../server/rigs/stub';
import { setRigHealth, tuneWatchdog } from '../test/watchdog/watchdog-helpers';
import { compareMs, fmt, median, report } from './report';
import { benchTown, quietLogs, townStub, value } from './town';

// Scenario 4: a heartbeat over 100 rigs, one of which never answers its health check. Checks run in
// parallel, so the heartbeat should cost about one per-check timeout, not more.

const SCENARIO = '4. heartbeat (100 rigs, 1 hung)';
const RIG_COUNT = 100;
const RIG_TIMEOUT_MS = 1_000;
const TARGET_RATIO = 1.3;
const TIMING = { samples: 5, batch: 1, warmup: 1 };

it(SCENARIO, async () => {
  quietLogs();
  const hung = await benchTown('hung', RIG_COUNT);
  const healthy = await benchTown('healthy', RIG_COUNT);
  await setRigHealth(hung.rigs[RIG_COUNT / 2]?.rigDoId as string, 'hang');
  await tuneWatchdog(hung.townId, { rigTimeoutMs: RIG_TIMEOUT_MS });
  await tuneWatchdog(healthy.townId, { rigTimeoutMs: RIG_TIMEOUT_MS });

  const reportedMs: number[] = [];
  const heartbeat = async (town: typeof hung, expectUnhealthy: number) => {
    const beat = value(await town.stub.watchdogHeartbeat(town.townId));
    const unhealthy = beat.targets.filter((t) => t.status === 'unhealthy').length;
    if (beat.targets.length !== RIG_COUNT + 1 || unhealthy !== expectUnhealthy) {
      throw new Error(`heartbeat saw ${beat.targets.length} targets, ${unhealthy} unhealthy`);
    }
    if (expectUnhealthy) reportedMs.push(beat.durationMs);
  };
  /**
   * The raw baseline: inside the same TownDO, one bare `health()` RPC to each of the 100 rigs, all at
   * once, each raced against the same timeout; nothing read, recorded or scheduled.
   */
  const raw = (town: typeof hung, expectTimeouts: number) =>
    runInDurableObject(townStub(town.townId), async () => {
      const answers = await Promise.allSettled(
        town.rigs.map((rig) => withTimeout(Promise.resolve(rigStub(env, town.townId, rig.id).health()), RIG_TIMEOUT_MS, 'health')),
      );
      if (answers.filter((a) => a.status === 'rejected').length !== expectTimeouts) throw new Error('raw baseline: unexpected timeouts');
    });
  const ms = await compareMs(
    {
      hung: () => heartbeat(hung, 1),
      raw: () => raw(hung, 1),
      healthy: () => heartbeat(healthy, 0),
      rawHealthy: () => raw(healthy, 0),
    },
    TIMING,
  );
  const ratio = ms.hung / RIG_TIMEOUT_MS;
  await report([
    { scenario: SCENARIO, measure: 'per-check timeout (ms)', value: String(RIG_TIMEOUT_MS) },
    {
      scenario: SCENARIO,
      measure: 'raw baseline (ms)',
      value: fmt(ms.raw, 0),
      note: '100 bare health() RPCs at once, each raced against the timeout, in the TownDO',
    },
    {
      scenario: SCENARIO,
      measure: 'heartbeat, TownDO RPC watchdogHeartbeat (ms)',
      value: fmt(ms.hung, 0),
      note: `in-DO durationMs median ${fmt(median(reportedMs), 0)}; ${fmt(ms.hung / ms.raw)}× raw`,
    },
    {
      scenario: SCENARIO,
      measure: 'ratio heartbeat / timeout',
      value: `${fmt(ratio)}×`,
      target: `≤ ${TARGET_RATIO}×`,
      met: ratio <= TARGET_RATIO,
      note: `${ratio <= TARGET_RATIO ? '' : 'missed: '}the checks wait one timeout at once; recording the 101 results follows it (${fmt(ms.healthy - ms.rawHealthy, 0)} ms in the healthy town)`,
    },
    {
      scenario: SCENARIO,
      measure: 'heartbeat, 100 healthy rigs (ms)',
      value: fmt(ms.healthy, 0),
      note: 'for information: checking, recording and re-scheduling without a timeout',
    },
    {
      scenario: SCENARIO,
      measure: 'raw baseline, 100 healthy rigs (ms)',
      value: fmt(ms.rawHealthy, 0),
      note: 'for information: the 100 health() RPCs alone; the rest of a heartbeat is recording 101 checks',
    },
  ]);
});
